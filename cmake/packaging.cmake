# Debian packages of an install: `cpack --config build/default/CPackConfig.cmake` makes three, from
# the install components (lib/CMakeLists.txt):
#   querysafe         the shared library and the querysafe command (component `runtime`)
#   querysafe-dev     the headers, the CMake package, querysafe.pc and the libquerysafe.so link
#   querysafe-dbgsym  (.ddeb) the runtime's debug info, split off as Debian's own packages do
# The build is RelWithDebInfo (-O2 -g, the default preset): the packaged binaries are stripped and
# their debug info goes to the dbgsym package, found by build id (/usr/lib/debug/.build-id/).
# The runtime package's Depends come from dpkg-shlibdeps on the binaries themselves (libmongoc,
# libmongocrypt, libbson, abseil, Boost.Program_options...: whichever sonames the build linked),
# so they follow the distribution the package is built on. The -dev package needs libbson's
# headers and CMake package (Debian's libbson-dev, in both mongo-c-driver generations) because the
# public headers include <bson/bson.h>. tests/install/deb_test.sh installs the packages in a clean
# Debian root.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME querysafe)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Django-style queries on MongoDB Queryable Encryption fields, checked before they leave the process")
set(CPACK_PACKAGE_DESCRIPTION
  "querysafe checks, translates and encrypts Django-style queries on MongoDB Queryable Encryption
fields: the query analysis of MongoDB's Enterprise crypt_shared library, done from the schema.")
set(CPACK_PACKAGE_CONTACT "querysafe developers <querysafe@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Not CPACK_STRIP_FILES: the dbgsym split below needs the debug info, and strips the files itself.

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # NAME_VERSION-RELEASE_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/querysafe/querysafe")

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME querysafe)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_DEBUGINFO_PACKAGE ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)  # a shlibs file, for packages built against it

set(CPACK_DEBIAN_DEV_PACKAGE_NAME querysafe-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_ARCHITECTURE amd64)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "querysafe (= ${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}), libbson-dev (>= ${bson_VERSION})")
set(CPACK_DEBIAN_DEV_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}
This package has what building against the library needs: the C and C++ headers, the CMake
package (find_package(querysafe)) and the pkg-config file.")

include(CPack)
