# One library per code folder, and the compiler holding every folder to the dependencies
# its CMakeLists.txt declares (DESIGN: "one library per folder, dependencies one way").
#
# A folder's library is named after its path ("src/api" -> gantry::api, "provisioner/plan"
# -> gantry::provisioner_plan) and is built from the folder's own .cpp files; a sub-folder is
# a library of its own. DEPENDS lists the folders it may use, each declared before it (so the
# graph cannot have a cycle). Before the library compiles, cmake/CheckLayers.cmake scans the
# folder's #includes (quoted, angled, relative) against its own folder and every folder it
# reaches through DEPENDS: an include of any other project file fails the build, naming the
# file, the include and what the folder may use. The scan reruns when a file of the folder
# changes. The unit test `layering_includes` runs the same scan over the whole table.

# gantry::<name> for a folder path.
function(gantry_layer_name folder out)
  string(REGEX REPLACE "^src/" "" name "${folder}")
  string(REPLACE "/" "_" name "${name}")
  set(${out} ${name} PARENT_SCOPE)
endfunction()

# Declares what `target`, the code of `folder`, may include: `folder` itself and the folders
# reached through `deps` (already declared). Builds the include view and records the layer
# table row used by the layering test.
function(gantry_layer target folder)
  set(layers ${folder})
  set(direct)
  foreach(dep ${ARGN})
    gantry_layer_name(${dep} dep_name)
    if(NOT TARGET gantry_${dep_name})
      message(FATAL_ERROR "${folder} depends on ${dep}, which is not declared before it: "
                          "declare folders bottom-up, so that no cycle can form")
    endif()
    get_target_property(dep_layers gantry_${dep_name} GANTRY_LAYERS)
    list(APPEND layers ${dep_layers})
    list(APPEND direct gantry::${dep_name})
  endforeach()
  list(REMOVE_DUPLICATES layers)
  set_target_properties(${target} PROPERTIES GANTRY_LAYERS "${layers}")

  # The layering check, run before anything of `target` compiles.
  list(JOIN layers " " allowed)
  file(GLOB files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${folder}/*.h
       ${PROJECT_SOURCE_DIR}/${folder}/*.cpp)
  string(REPLACE "/" "_" stamp_name "${folder}")
  set(stamp ${PROJECT_BINARY_DIR}/layering/${stamp_name}.ok)
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DFOLDER=${folder}
            "-DALLOWED=${allowed}" -P ${PROJECT_SOURCE_DIR}/cmake/CheckLayers.cmake
    COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/CheckLayers.cmake
    COMMENT "Checking the includes of ${folder} against its declared layers"
    VERBATIM)
  add_custom_target(${target}_layering DEPENDS ${stamp})
  add_dependencies(${target} ${target}_layering)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${target} PUBLIC ${direct})

  set_property(GLOBAL APPEND PROPERTY GANTRY_LAYER_TABLE "${folder}: ${allowed}")
endfunction()

# gantry_library([DEPENDS <folder>...] [PUBLIC <lib>...] [PRIVATE <lib>...]), called from the
# folder's CMakeLists.txt: the static library gantry::<name> of that folder.
function(gantry_library)
  cmake_parse_arguments(arg "" "" "DEPENDS;PUBLIC;PRIVATE" ${ARGN})
  file(RELATIVE_PATH folder ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  gantry_layer_name(${folder} name)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(NOT sources)
    # A folder of headers only still gives a linkable target, so callers need no special case.
    set(sources ${PROJECT_SOURCE_DIR}/cmake/empty.cpp)
  endif()
  add_library(gantry_${name} STATIC ${sources})
  add_library(gantry::${name} ALIAS gantry_${name})
  gantry_target_defaults(gantry_${name})
  gantry_layer(gantry_${name} ${folder} ${arg_DEPENDS})
  target_link_libraries(gantry_${name} PUBLIC ${arg_PUBLIC} PRIVATE ${arg_PRIVATE})
endfunction()

# Writes the layer table (one "folder: folders it may include" line each) for the
# layering test, once every folder is declared.
function(gantry_write_layer_table file)
  get_property(rows GLOBAL PROPERTY GANTRY_LAYER_TABLE)
  list(JOIN rows "\n" text)
  file(WRITE ${file} "${text}\n")
endfunction()
