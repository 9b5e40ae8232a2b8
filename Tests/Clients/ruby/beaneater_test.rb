# Conformance tests through the public API of beaneater 1.1.1 (Debian's ruby-beaneater).
#
#   SPOOL_TEST_ADDR=tcp:127.0.0.1:11300 ruby Tests/Clients/ruby/beaneater_test.rb
#
# beaneater speaks TCP only. Every test works in tubes of its own.

require "minitest/autorun"
require "beaneater"
require "securerandom"
require "timeout"

class BeaneaterTest < Minitest::Test
  TEST_TIMEOUT = 30
  MISSING_ID = 2**64 - 1

  # "HOST:PORT" from SPOOL_TEST_ADDR=tcp:HOST:PORT, the form beaneater takes.
  def self.server_address
    text = ENV["SPOOL_TEST_ADDR"] or abort "set SPOOL_TEST_ADDR=tcp:HOST:PORT to the server under test"
    match = /\Atcp:([^:]+):(\d+)\z/.match(text) or abort "beaneater needs SPOOL_TEST_ADDR=tcp:HOST:PORT, not #{text}"
    "#{match[1]}:#{match[2]}"
  end

  ADDRESS = server_address

  # Raised inside a test whose reply never comes.
  class ReplyTimeout < StandardError; end

  # beaneater has no read timeout: fail a test that waits too long instead of hanging the suite.
  def run
    Timeout.timeout(TEST_TIMEOUT, ReplyTimeout) { super }
  end

  def setup
    @run_id = SecureRandom.hex(4)
    @clients = []
    @client = connect
    @tube = @client.tubes[tube_name]
  end

  def teardown
    @clients.each(&:close)
  end

  # A new client, closed after the test.
  def connect
    Beaneater.new(ADDRESS).tap { |client| @clients << client }
  end

  # A tube name unique to this test run.
  def tube_name(suffix = "main")
    "rb#{@run_id}-#{name.gsub(/[^A-Za-z0-9]+/, '-')[0, 60]}-#{suffix}"
  end

  # Put a job into @tube and return its id.
  def put(body, **options)
    response = @tube.put(body, **options)
    assert_equal "INSERTED", response[:status]
    response[:id]
  end

  # Seconds taken by the block.
  def elapsed
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    yield
    Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
  end

  def test_put_reserve_delete
    id = put("hello")
    job = @tube.reserve(0)
    assert_equal [id, "hello"], [job.id, job.body]
    assert job.reserved
    job.delete
    assert_raises(Beaneater::NotFoundError) { job.delete }
    assert_nil @client.jobs.find(id)
    assert_raises(Beaneater::TimedOutError) { @tube.reserve(0) }
  end

  def test_blocking_reserve_gets_job_from_another_client
    @client.tubes.watch!(@tube.name)
    id = connect.tubes[@tube.name].put("wake up")[:id]
    job = @client.tubes.reserve
    assert_equal [id, "wake up"], [job.id, job.body]
  end

  def test_use_watch_ignore_and_lists
    a, b, c = tube_name("a"), tube_name("b"), tube_name("c")
    tubes = @client.tubes
    assert_equal "default", tubes.used.name
    tubes.use(a)
    assert_equal a, tubes.used.name
    tubes.watch(b)
    assert_equal ["default", b], tubes.watched.map(&:name)
    tubes.ignore("default")
    assert_equal [b], tubes.watched.map(&:name)
    assert_raises(Beaneater::NotIgnoredError) { tubes.ignore(b) }
    tubes.watch!(c)
    assert_equal [c], tubes.watched.map(&:name)
    assert_empty [a, c, "default"] - tubes.all.map(&:name)
    assert_raises(Beaneater::InvalidTubeName) { tubes.use("-leading-hyphen") }
    assert_raises(Beaneater::InvalidTubeName) { tubes.watch("bad!name") }
    assert_raises(Beaneater::InvalidTubeName) { tubes.use("x" * 201) }
  end

  def test_priority_order_then_fifo
    [[10, "a"], [5, "b"], [10, "c"], [5, "d"], [0, "e"], [2**32 - 1, "f"]].each do |pri, body|
      put(body, pri: pri)
    end
    assert_equal %w[e b d a c f], Array.new(6) { @tube.reserve(0).body }
  end

  def test_jobs_come_only_from_watched_tubes
    other = @client.tubes[tube_name("other")]
    other.put("elsewhere")
    id = put("here")
    assert_equal id, @tube.reserve(0).id
    assert_raises(Beaneater::TimedOutError) { @tube.reserve(0) }
  end

  def test_delay_and_peek_delayed
    id = put("soon", delay: 1)
    assert_raises(Beaneater::TimedOutError) { @tube.reserve(0) }
    assert_equal id, @tube.peek(:delayed).id
    assert_nil @tube.peek(:ready)
    assert_equal ["delayed", 1], [@client.jobs.find(id).stats.state, @client.jobs.find(id).delay]
    assert_equal 1, @tube.stats.current_jobs_delayed
    assert_equal id, @tube.reserve(5).id
  end

  def test_release_with_priority_and_delay
    id = put("retry", pri: 50)
    job = @tube.reserve(0)
    job.release(pri: 7, delay: 1)
    stats = job.stats
    assert_equal ["delayed", 7, 1], [stats.state, stats.pri, stats.releases]
    assert_raises(Beaneater::TimedOutError) { @tube.reserve(0) }
    job = @tube.reserve(5)
    assert_equal id, job.id
    job.release
    stats = job.stats
    assert_equal ["delayed", 7, 1, 2, 2], [stats.state, stats.pri, stats.delay, stats.reserves, stats.releases]
  end

  def test_bury_peek_buried_and_kick
    ids = Array.new(3) { |i| put("job#{i}") }
    3.times { @tube.reserve(0).bury(pri: 9) }
    assert_equal 3, @tube.stats.current_jobs_buried
    assert_equal ids[0], @tube.peek(:buried).id
    stats = @client.jobs.find(ids[0]).stats
    assert_equal ["buried", 9, 1], [stats.state, stats.pri, stats.buries]
    assert_equal({ status: "KICKED", id: "2" }, @tube.kick(2))
    assert_equal ids[2], @tube.peek(:buried).id
    assert_equal({ status: "KICKED", id: "1" }, @tube.kick(10))
    assert_equal({ status: "KICKED", id: "0" }, @tube.kick(10))
    assert_equal 1, @client.jobs.find(ids[0]).stats.kicks
  end

  def test_kick_job_on_delayed_and_buried
    delayed = put("delayed", delay: 100)
    buried = put("buried")
    @tube.reserve(0).bury
    @client.jobs.find(delayed).kick
    @client.jobs.find(buried).kick
    assert_equal %w[ready ready], [delayed, buried].map { |id| @client.jobs.find(id).stats.state }
    assert_raises(Beaneater::NotFoundError) { @client.jobs.find(delayed).kick }
  end

  def test_touch_restarts_ttr
    put("slow work", ttr: 2)
    job = @tube.reserve(0)
    assert_raises(Beaneater::DeadlineSoonError) { @client.tubes.reserve(5) }
    assert_equal 0, job.stats.time_left
    job.touch
    assert_equal "reserved", job.stats.state
    assert_operator job.stats.time_left, :>=, 1
    job.delete
    assert_raises(Beaneater::NotFoundError) { job.touch }
    ready = put("ready")
    assert_raises(Beaneater::JobNotReserved) { @client.jobs.find(ready).touch }
  end

  def test_deadline_soon
    put("hurry", ttr: 1)
    job = @tube.reserve(0)
    assert_raises(Beaneater::DeadlineSoonError) { @client.tubes.reserve(5) }
    job.delete
  end

  def test_reserve_timeouts
    assert_raises(Beaneater::TimedOutError) { @tube.reserve(0) }
    waited = elapsed { assert_raises(Beaneater::TimedOutError) { @tube.reserve(1) } }
    assert_operator waited, :>=, 0.9
    id = put("now there is one")
    assert_equal id, @tube.reserve(0).id
  end

  def test_global_stats
    before = @client.stats.total_jobs
    put("counted")
    stats = @client.stats
    assert_empty %w[current_jobs_ready cmd_put total_jobs max_job_size current_connections uptime version] - stats.keys
    assert_operator stats.total_jobs, :>=, before + 1
    assert_operator stats.max_job_size, :>, 0
    assert_kind_of String, stats.version
  end

  def test_tube_stats
    put("urgent", pri: 1023)
    put("normal", pri: 1024)
    put("delayed", delay: 100)
    reserved = @tube.reserve(0)
    put("buried", pri: 0)
    @tube.reserve(0).bury
    stats = @tube.stats
    assert_equal @tube.name, stats.name
    assert_equal [0, 1, 1, 1, 1], [stats.current_jobs_urgent, stats.current_jobs_ready, stats.current_jobs_reserved,
                                   stats.current_jobs_delayed, stats.current_jobs_buried]
    assert_equal [4, 1, 1, 0, 0], [stats.total_jobs, stats.current_using, stats.current_watching,
                                   stats.current_waiting, stats.pause]
    reserved.delete
    assert_equal [1, 0], [@tube.stats.cmd_delete, @tube.stats.current_jobs_reserved]
  end

  def test_job_stats
    id = put("observed", pri: 3, delay: 100, ttr: 7)
    stats = @client.jobs.find(id).stats
    assert_equal %w[id tube state pri age delay ttr time_left file reserves timeouts releases buries kicks].sort,
                 stats.keys.sort
    assert_equal [id.to_i, @tube.name, "delayed", 3, 100, 7, 0, 0, 0, 0, 0],
                 [stats.id, stats.tube, stats.state, stats.pri, stats.delay, stats.ttr,
                  stats.reserves, stats.timeouts, stats.releases, stats.buries, stats.kicks]
    assert_includes 98..100, stats.time_left
  end

  def test_ttr_zero_becomes_one
    id = put("zero", ttr: 0)
    assert_equal 1, @client.jobs.find(id).ttr
  end

  def test_pause_tube
    id = put("paused")
    waited = elapsed do
      @tube.pause(1)
      assert_raises(Beaneater::TimedOutError) { @tube.reserve(0) }
      assert_equal 1, @tube.stats.pause
      assert_equal id, @tube.reserve(5).id
    end
    assert_operator waited, :>=, 0.9
    assert_raises(Beaneater::NotFoundError) { @client.tubes[tube_name("missing")].pause(1) }
  end

  def test_unpause_tube
    id = put("unpaused")
    @tube.pause(100)
    assert_raises(Beaneater::TimedOutError) { @tube.reserve(0) }
    @tube.pause(0)
    assert_equal id, @tube.reserve(1).id
  end

  def test_job_too_big
    limit = @client.stats.max_job_size
    assert_raises(Beaneater::JobTooBigError) { @tube.put("x" * (limit + 1)) }
    id = put("y" * limit)
    job = @tube.reserve(0)
    assert_equal [id, limit], [job.id, job.body.bytesize]
  end

  def test_not_found
    assert_nil @client.jobs.find(MISSING_ID)
    assert_nil @tube.peek(:ready)
    assert_nil @tube.peek(:delayed)
    assert_nil @tube.peek(:buried)
    assert_raises(Beaneater::NotFoundError) { @client.tubes[tube_name("missing")].stats }
    assert_raises(Beaneater::NotFoundError) { @client.connection.transmit("stats-job #{MISSING_ID}") }
    assert_raises(Beaneater::NotFoundError) { @client.connection.transmit("delete #{MISSING_ID}") }
  end

  def test_protocol_errors
    connection = @client.connection
    assert_raises(Beaneater::UnknownCommandError) { connection.transmit("bogus") }
    assert_raises(Beaneater::BadFormatError) { connection.transmit("use -bad") }
    assert_raises(Beaneater::BadFormatError) { connection.transmit("kick x") }
    assert_equal "USING default", "#{connection.transmit('list-tube-used').values_at(:status, :id).join(' ')}"
  end

  def test_jobs_reserved_by_another_client
    id = put("mine")
    @tube.reserve(0)
    other_view = connect.jobs.find(id)
    assert_raises(Beaneater::NotFoundError) { other_view.touch }
    assert_raises(Beaneater::NotFoundError) { other_view.release }
    assert_raises(Beaneater::NotFoundError) { other_view.bury }
    assert_raises(Beaneater::NotFoundError) { other_view.delete }
    @client.jobs.find(id).delete
  end

  def test_release_on_disconnect
    id = put("orphan")
    @tube.reserve(0)
    @client.close
    job = connect.tubes[@tube.name].reserve(5)
    assert_equal id, job.id
    assert_equal [2, 0], [job.stats.reserves, job.stats.timeouts]
  end

  def test_ttr_expiry_returns_job_to_ready
    id = put("too slow", ttr: 1)
    @tube.reserve(0)
    job = connect.tubes[@tube.name].reserve(5)
    assert_equal [id, 1], [job.id, job.stats.timeouts]
  end

  def test_bodies
    ["", "x", "héllo ✓", (0..255).map(&:chr).join * 4, "z" * 60 * 1024].each do |body|
      id = put(body)
      job = @tube.reserve(0)
      assert_equal [id, body.b], [job.id, job.body.b]
      job.delete
    end
  end

  def test_process_jobs
    %w[a bad c].each { |body| put(body) }
    seen = []
    @client.jobs.register(@tube.name) do |job|
      seen << job.body
      raise "cannot process #{job.body}" if job.body == "bad"
      @client.jobs.stop! if seen.size == 3
    end
    @client.jobs.process!(reserve_timeout: 1)
    assert_equal %w[a bad c], seen
    assert_equal [1, 0, 0], [@tube.stats.current_jobs_buried, @tube.stats.current_jobs_ready,
                             @tube.stats.current_jobs_reserved]
  end
end
