# Compiler settings shared by every Gantry target: warnings, -Werror, sanitizers.
# Call gantry_target_defaults(<target>) on each target we own (never on third-party code).
function(gantry_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                         -Wnon-virtual-dtor -Wimplicit-fallthrough)
  if(GANTRY_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports -Wrestrict false positives inside std::string at -O2 (GCC bug 105329).
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(${target} PRIVATE -Wthread-safety)
  endif()
  if(GANTRY_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${GANTRY_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${GANTRY_SANITIZE})
  endif()
endfunction()

# gantry_library(<name> <dir>): one static library from every .cpp under <dir>
# (excluding a `cmd/` folder, which belongs to the binary), with an alias gantry::<name>.
function(gantry_library name dir)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${dir}/*.cpp)
  list(FILTER sources EXCLUDE REGEX "/cmd/")
  if(NOT sources)
    # A folder with no code yet still gives a linkable target, so callers need no special case.
    set(sources ${PROJECT_SOURCE_DIR}/cmake/empty.cpp)
  endif()
  add_library(gantry_${name} STATIC ${sources})
  add_library(gantry::${name} ALIAS gantry_${name})
  gantry_target_defaults(gantry_${name})
endfunction()
