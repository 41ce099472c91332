# cmake/GantryVersion.cmake in script mode: the commit `gantry version` is built with.
#   cmake -DSOURCE_DIR=<repository> -DWORK_DIR=<scratch folder> -P version_commit_test.cmake
# - a folder that is no git checkout of its own (a source tarball, also one unpacked inside
#   another checkout) gives "unknown", and the configure does not fail;
# - -DGANTRY_GIT_COMMIT wins over git;
# - the repository itself, when it is a checkout, gives its HEAD.
include(${SOURCE_DIR}/cmake/GantryVersion.cmake)
set(PROJECT_VERSION 0.0.0)

function(expect what got want)
  if(NOT got STREQUAL want)
    message(FATAL_ERROR "${what}: got \"${got}\", want \"${want}\"")
  endif()
  message(STATUS "ok: ${what}: ${got}")
endfunction()

file(REMOVE_RECURSE ${WORK_DIR}/tarball)
file(MAKE_DIRECTORY ${WORK_DIR}/tarball)
set(PROJECT_SOURCE_DIR ${WORK_DIR}/tarball)
gantry_commit(commit)
expect("source tree without git" "${commit}" "unknown")

set(GANTRY_GIT_COMMIT 0123456789ab)
gantry_commit(commit)
expect("-DGANTRY_GIT_COMMIT" "${commit}" "0123456789ab")
set(GANTRY_GIT_COMMIT "")

set(PROJECT_SOURCE_DIR ${SOURCE_DIR})
gantry_commit(commit)
find_package(Git QUIET)
set(want unknown)
if(GIT_FOUND AND EXISTS ${SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                  OUTPUT_VARIABLE want OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
expect("the repository" "${commit}" "${want}")
file(REMOVE_RECURSE ${WORK_DIR}/tarball)
