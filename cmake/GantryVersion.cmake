# gantry_commit(<var>): the git commit the build is configured from, for `gantry version`,
# looked up when CMake configures. A source tree that is not a git checkout of its own (a
# tarball, even one unpacked inside another repository) gives "unknown"; packagers can set
# -DGANTRY_GIT_COMMIT=<sha>. In a checkout, CMake configures again when HEAD moves (a
# commit, a checkout), so the figure stays current; only version.cpp is rebuilt then.
set(GANTRY_GIT_COMMIT "" CACHE STRING "commit reported by `gantry version` (default: from git)")

function(gantry_commit var)
  set(commit "${GANTRY_GIT_COMMIT}")
  if(commit AND NOT commit MATCHES "^[A-Za-z0-9._+-]+$")
    message(FATAL_ERROR "GANTRY_GIT_COMMIT=\"${commit}\": letters, digits and ._+- only")
  endif()
  if(NOT commit)
    set(commit unknown)
    find_package(Git QUIET)
  endif()
  if(NOT GANTRY_GIT_COMMIT AND GIT_FOUND)
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --show-toplevel
                    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} RESULT_VARIABLE status
                    OUTPUT_VARIABLE toplevel OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    file(REAL_PATH "${PROJECT_SOURCE_DIR}" source_dir)
    if(status EQUAL 0 AND toplevel)
      file(REAL_PATH "${toplevel}" toplevel)
    endif()
    if(status EQUAL 0 AND toplevel STREQUAL source_dir)
      execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
                      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} RESULT_VARIABLE status
                      OUTPUT_VARIABLE head OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      if(status EQUAL 0 AND head)
        set(commit "${head}")
      endif()
      # HEAD, the branch it names, and packed-refs: one of them changes when HEAD moves.
      execute_process(COMMAND ${GIT_EXECUTABLE} symbolic-ref -q HEAD
                      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                      OUTPUT_VARIABLE branch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      foreach(ref HEAD ${branch} packed-refs)
        execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --git-path ${ref}
                        WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                        OUTPUT_VARIABLE ref_path OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
        if(ref_path)
          get_filename_component(ref_path "${ref_path}" ABSOLUTE BASE_DIR "${PROJECT_SOURCE_DIR}")
          if(EXISTS "${ref_path}")
            set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${ref_path}")
          endif()
        endif()
      endforeach()
    endif()
  endif()
  message(STATUS "gantry ${PROJECT_VERSION}, commit ${commit}")
  set(${var} "${commit}" PARENT_SCOPE)
endfunction()
