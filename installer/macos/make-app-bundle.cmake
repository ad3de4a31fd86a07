# SPDX-License-Identifier: Apache-2.0
# Lays out Bomiot.app (cmake -P script mode, so it runs the same from the
# build and from a test):
#   cmake -DLAUNCHER=path/bomiot-launcher -DOUT=dir/Bomiot.app -DVERSION=0.1.0
#         [-DBUNDLE_ID=com.bomiot.Bomiot] [-DICNS=bomiot.icns]
#         [-DDISPLAY_NAME="Bomiot 仓储管理" | -DCONFIG=launcher.json]
#         [-DSEED_APP=dir -DSEED_VERSION=1.0.0] -P make-app-bundle.cmake
#
# CFBundleDisplayName, the name Finder, the Dock and Launchpad show, is
# DISPLAY_NAME, else CONFIG's display_name (launcher.json), else Bomiot.
#
#   Bomiot.app/Contents/Info.plist
#   Bomiot.app/Contents/PkgInfo
#   Bomiot.app/Contents/MacOS/bomiot-launcher    the only executable macOS starts
#   Bomiot.app/Contents/Resources/bomiot.icns
#   Bomiot.app/Contents/Resources/seed/VERSION   the first version, read-only in the
#   Bomiot.app/Contents/Resources/seed/app/      signed bundle (see README.md here)
#
# Versions, state.json and cache/ are never inside the bundle: they live in
# ~/Library/Application Support/Bomiot (installer/macos/README.md says why).
# The layout is rebuilt from scratch each time, so nothing stale is signed.
cmake_minimum_required(VERSION 3.18)

foreach(var LAUNCHER OUT VERSION)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "make-app-bundle.cmake: define ${var}")
  endif()
endforeach()
if(NOT DEFINED BUNDLE_ID)
  set(BUNDLE_ID "com.bomiot.Bomiot")
endif()
if(NOT DEFINED ICNS)
  set(ICNS "${CMAKE_CURRENT_LIST_DIR}/../../resources/icons/bomiot.icns")
endif()
if(NOT EXISTS "${LAUNCHER}")
  message(FATAL_ERROR "make-app-bundle.cmake: launcher ${LAUNCHER} does not exist")
endif()
if(NOT OUT MATCHES "\\.app$")
  message(FATAL_ERROR "make-app-bundle.cmake: OUT must end in .app, got ${OUT}")
endif()
if(DEFINED SEED_APP AND NOT SEED_APP STREQUAL "")
  if(NOT DEFINED SEED_VERSION OR NOT SEED_VERSION MATCHES "^[0-9A-Za-z+!_-][0-9A-Za-z.+!_-]*$")
    message(FATAL_ERROR "make-app-bundle.cmake: SEED_VERSION '${SEED_VERSION}' is not a version folder name")
  endif()
  if(NOT IS_DIRECTORY "${SEED_APP}")
    message(FATAL_ERROR "make-app-bundle.cmake: SEED_APP ${SEED_APP} is not a folder")
  endif()
endif()

# The shown name in any script (UTF-8); CFBundleName stays Bomiot, the
# bundle's short name.
if((NOT DEFINED DISPLAY_NAME OR DISPLAY_NAME STREQUAL "") AND DEFINED CONFIG AND NOT CONFIG STREQUAL "")
  if(NOT EXISTS "${CONFIG}")
    message(FATAL_ERROR "make-app-bundle.cmake: CONFIG ${CONFIG} does not exist")
  endif()
  file(READ "${CONFIG}" config_text)
  string(JSON DISPLAY_NAME ERROR_VARIABLE json_error GET "${config_text}" display_name)
  if(json_error)
    set(DISPLAY_NAME "")
  endif()
endif()
if(NOT DEFINED DISPLAY_NAME OR DISPLAY_NAME STREQUAL "")
  set(DISPLAY_NAME "Bomiot")
endif()
string(ASCII 1 first_control)
string(ASCII 31 last_control)
if(DISPLAY_NAME MATCHES "[${first_control}-${last_control}]")
  message(FATAL_ERROR "make-app-bundle.cmake: DISPLAY_NAME must be one line without control characters")
endif()
# Info.plist is XML
string(REPLACE "&" "&amp;" DISPLAY_NAME_XML "${DISPLAY_NAME}")
string(REPLACE "<" "&lt;" DISPLAY_NAME_XML "${DISPLAY_NAME_XML}")
string(REPLACE ">" "&gt;" DISPLAY_NAME_XML "${DISPLAY_NAME_XML}")
set(BUNDLE_VERSION "${VERSION}")
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}/Contents/MacOS" "${OUT}/Contents/Resources")
configure_file("${CMAKE_CURRENT_LIST_DIR}/Info.plist.in" "${OUT}/Contents/Info.plist" @ONLY)
file(WRITE "${OUT}/Contents/PkgInfo" "APPL????")
file(COPY "${LAUNCHER}" DESTINATION "${OUT}/Contents/MacOS"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
get_filename_component(launcher_name "${LAUNCHER}" NAME)
if(NOT launcher_name STREQUAL "bomiot-launcher")
  file(RENAME "${OUT}/Contents/MacOS/${launcher_name}" "${OUT}/Contents/MacOS/bomiot-launcher")
endif()
file(COPY "${ICNS}" DESTINATION "${OUT}/Contents/Resources")
get_filename_component(icns_name "${ICNS}" NAME)
if(NOT icns_name STREQUAL "bomiot.icns")
  file(RENAME "${OUT}/Contents/Resources/${icns_name}" "${OUT}/Contents/Resources/bomiot.icns")
endif()
if(DEFINED SEED_APP AND NOT SEED_APP STREQUAL "")
  file(MAKE_DIRECTORY "${OUT}/Contents/Resources/seed")
  file(WRITE "${OUT}/Contents/Resources/seed/VERSION" "${SEED_VERSION}\n")
  file(COPY "${SEED_APP}/" DESTINATION "${OUT}/Contents/Resources/seed/app" USE_SOURCE_PERMISSIONS)
endif()
message(STATUS "Laid out ${OUT}")
