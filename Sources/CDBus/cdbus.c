/* libdbus itself is the static archive this target links (see CDBus.h). */
