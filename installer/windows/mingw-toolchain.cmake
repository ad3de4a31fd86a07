# SPDX-License-Identifier: Apache-2.0
# Cross-compiles for 64-bit Windows with Debian's mingw-w64 against the static
# libraries installer/windows/deps.sh builds from Debian's source packages.
#
#   prefix=$(installer/windows/deps.sh)
#   cmake -S . -B build/mingw -DCMAKE_TOOLCHAIN_FILE=installer/windows/mingw-toolchain.cmake \
#         -DBL_MINGW_PREFIX="$prefix"
#
# The project's CMakeLists.txt stays as it is: pkg-config answers from the
# prefix (with --static, so each library brings its Windows system libraries)
# and find_package looks there first. Executables are linked with -static, so
# bomiot-launcher.exe needs no DLL beside it.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(BL_MINGW_TRIPLET x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${BL_MINGW_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${BL_MINGW_TRIPLET}-g++)
set(CMAKE_RC_COMPILER ${BL_MINGW_TRIPLET}-windres)
set(CMAKE_AR ${BL_MINGW_TRIPLET}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${BL_MINGW_TRIPLET}-ranlib CACHE FILEPATH "")

if(NOT BL_MINGW_PREFIX AND DEFINED ENV{BL_MINGW_PREFIX})
  set(BL_MINGW_PREFIX $ENV{BL_MINGW_PREFIX})
endif()
if(NOT BL_MINGW_PREFIX)
  message(FATAL_ERROR "Set -DBL_MINGW_PREFIX=<prefix> (the folder installer/windows/deps.sh prints)")
endif()
# try_compile projects re-read this file without the cache: pass the prefix on.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES BL_MINGW_PREFIX)

set(CMAKE_FIND_ROOT_PATH ${BL_MINGW_PREFIX} /usr/${BL_MINGW_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_PREFIX_PATH ${BL_MINGW_PREFIX})
# Static archives only: a .dll.a would make the .exe need a DLL.
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)

# pkg-config reads only the prefix's .pc files, in --static mode.
set(PKG_CONFIG_EXECUTABLE ${BL_MINGW_PREFIX}/bin/pkg-config-static CACHE FILEPATH "pkg-config of the mingw prefix" FORCE)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# ctest runs the test .exe files under Wine (in the prefix tests/windows/run.sh makes).
set(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_CURRENT_LIST_DIR}/../../tests/windows/wine.sh)
