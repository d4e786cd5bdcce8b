# Installation and the Debian package (CPack): `cpack -G DEB` in a configured and built tree makes
# tickscope_VERSION_ARCH.deb with the executable, the desktop entry and icon, the man page, the
# systemd units and the operator's guide, installed under /usr.
#
# Included at the end of the top-level CMakeLists.txt, after add_subdirectory(app), so that the
# `tickscope` target exists. Depends: the shared libraries the executable links (dpkg-shlibdeps,
# from dpkg-dev, and `file` must be on PATH), plus what `tickscope local-db` runs: PostgreSQL 17's
# server, TimescaleDB and pg_cron (the embedded cluster preloads both), and Qt's platform plugins
# for the console window. pgBackRest is recommended: `tickscope backup` drives it.
# The package makes the `tickscope` system user that the systemd units run as (postinst).
# Used by deploy/Dockerfile (the ingest image) and tests/deploy/check_deb.sh.
include(GNUInstallDirs)

install(TARGETS tickscope RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/resources/desktop/tickscope.desktop
    DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/tickscope.svg
    DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
# /usr/lib/systemd/system, never /lib: Debian 13 has merged /usr, and packages ship under /usr.
install(FILES
    ${PROJECT_SOURCE_DIR}/resources/systemd/tickscope-ingest.service
    ${PROJECT_SOURCE_DIR}/resources/systemd/tickscope-policies.service
    ${PROJECT_SOURCE_DIR}/resources/systemd/tickscope-policies.timer
    DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/operations.md
    DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The man page, compressed as Debian ships man pages (gzip -n: the same bytes on every build).
set(tickscope_man_page ${PROJECT_SOURCE_DIR}/resources/man/tickscope.1)
find_program(GZIP_EXECUTABLE gzip)
if(GZIP_EXECUTABLE)
    set(tickscope_man_gz ${CMAKE_CURRENT_BINARY_DIR}/man/tickscope.1.gz)
    add_custom_command(OUTPUT ${tickscope_man_gz}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/man
        COMMAND ${GZIP_EXECUTABLE} -9 -n -c ${tickscope_man_page} > ${tickscope_man_gz}
        DEPENDS ${tickscope_man_page}
        COMMENT "Compressing the man page")
    add_custom_target(tickscope_man_page ALL DEPENDS ${tickscope_man_gz})
    install(FILES ${tickscope_man_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
    install(FILES ${tickscope_man_page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

set(TICKSCOPE_PACKAGE_MAINTAINER "Tickscope maintainers <tickscope@localhost>"
    CACHE STRING "Maintainer field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tickscope)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR Tickscope)
set(CPACK_PACKAGE_CONTACT ${TICKSCOPE_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION "Tickscope keeps exchange market data in TimescaleDB and watches \
over it: a Qt 6 desktop console and the same services headless (tickscope ingest). Feeds are \
journaled before parsing and committed exactly once; the console manages the schema, storage \
policies, backups (pgBackRest) and streaming replication, and serves Prometheus metrics. \
It runs its own embedded PostgreSQL 17 + TimescaleDB cluster when no database is configured.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # tickscope_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${TICKSCOPE_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Added to what dpkg-shlibdeps finds: what `tickscope local-db` runs and the console's window.
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "postgresql-17, postgresql-17-timescaledb, postgresql-17-cron, qt6-qpa-plugins")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS pgbackrest)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/cmake/debian/postinst)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
