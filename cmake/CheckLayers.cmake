# Scans code folders' #includes against the layers they declare and fails naming each
# include of a project file outside them (cmake/GantryLayers.cmake runs it for one folder
# before that folder's library compiles; the `layering_includes` test for the whole table).
# Quoted includes are looked up next to the including file first, as the compiler does, so
# a relative "../x.h" cannot slip past.
#
#   cmake -DSOURCE_DIR=<project root> -DTABLE=<build>/layers.txt -P cmake/CheckLayers.cmake
#   cmake -DSOURCE_DIR=<project root> -DFOLDER=<folder> "-DALLOWED=<folder> <dep>..." -P ...
# TABLE holds one "folder: folders it may include" line per library.
cmake_minimum_required(VERSION 3.25)
if(SOURCE_DIR AND TABLE)
  file(STRINGS ${TABLE} rows)
elseif(SOURCE_DIR AND FOLDER AND ALLOWED)
  set(rows "${FOLDER}: ${ALLOWED}")
else()
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=<dir> (-DTABLE=<layers.txt> | -DFOLDER=<dir> "
                      "-DALLOWED=<dirs>) -P CheckLayers.cmake")
endif()

set(violations 0)
foreach(row ${rows})
  string(REGEX MATCH "^([^:]+): (.*)$" _ "${row}")
  set(folder "${CMAKE_MATCH_1}")
  set(allowed_text "${CMAKE_MATCH_2}")
  string(REPLACE " " ";" allowed "${allowed_text}")
  file(GLOB files ${SOURCE_DIR}/${folder}/*.h ${SOURCE_DIR}/${folder}/*.cpp)
  foreach(file ${files})
    get_filename_component(file_dir ${file} DIRECTORY)
    file(STRINGS ${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<][^\">]+[\">]")
    foreach(line ${includes})
      string(REGEX MATCH "[\"<]([^\">]+)[\">]" _ "${line}")
      set(path "${CMAKE_MATCH_1}")
      # As the compiler looks: next to the including file first (quoted includes), then
      # from the project root, where every include path of this project starts.
      set(target "")
      if(line MATCHES "\"" AND EXISTS ${file_dir}/${path})
        get_filename_component(target ${file_dir}/${path} REALPATH)
      elseif(EXISTS ${SOURCE_DIR}/${path})
        get_filename_component(target ${SOURCE_DIR}/${path} REALPATH)
      endif()
      if(target STREQUAL "" OR IS_DIRECTORY ${target})
        continue()  # a system or third-party header
      endif()
      file(RELATIVE_PATH relative ${SOURCE_DIR} ${target})
      get_filename_component(target_folder ${relative} DIRECTORY)
      if(NOT target_folder IN_LIST allowed)
        file(RELATIVE_PATH where ${SOURCE_DIR} ${file})
        message(SEND_ERROR "${where}: includes ${relative}, but ${folder} may only use: ${allowed_text}")
        math(EXPR violations "${violations} + 1")
      endif()
    endforeach()
  endforeach()
endforeach()
if(violations GREATER 0)
  message(FATAL_ERROR "${violations} include(s) break the layering declared in the CMakeLists.txt files")
endif()
list(LENGTH rows folders)
message(STATUS "layering holds in ${folders} folders")
