# Fails naming each line of the provider-neutral layer that names an AWS-only concept: the
# EC2NodeClass type or its header, or an aws:/// providerID. The neutral CloudProvider seam
# speaks NodeClaims and NodeClassRefs; the EC2 provider (cloudprovider/aws) looks its node
# class up itself and owns the providerID format (cloudprovider/aws/provider_id.h). The
# include layering cannot catch this: the EC2NodeClass type lives in src/api, which every
# layer may use. Comments may still say "EC2NodeClass" in words; the identifiers may not.
#
#   cmake -DSOURCE_DIR=<project root> -DFOLDERS=<folder>,<folder>... -P CheckNeutralCloud.cmake
cmake_minimum_required(VERSION 3.25)
if(NOT SOURCE_DIR OR NOT FOLDERS)
  message(FATAL_ERROR "usage: cmake -DSOURCE_DIR=<dir> -DFOLDERS=<dirs> -P CheckNeutralCloud.cmake")
endif()
string(REPLACE "," ";" FOLDERS "${FOLDERS}")
set(forbidden "Ec2NodeClass|ec2_nodeclass|aws:///")
set(violations 0)
foreach(folder ${FOLDERS})
  file(GLOB files ${SOURCE_DIR}/${folder}/*.h ${SOURCE_DIR}/${folder}/*.cpp)
  if(NOT files)
    message(FATAL_ERROR "${folder}: no source files (a folder was moved? update the list)")
  endif()
  foreach(file ${files})
    file(STRINGS ${file} lines REGEX "${forbidden}")
    file(RELATIVE_PATH where ${SOURCE_DIR} ${file})
    foreach(line ${lines})
      string(REGEX MATCH "${forbidden}" what "${line}")
      message(SEND_ERROR "${where}: names ${what}, which belongs to cloudprovider/aws: ${line}")
      math(EXPR violations "${violations} + 1")
    endforeach()
  endforeach()
endforeach()
if(violations GREATER 0)
  message(FATAL_ERROR "${violations} line(s) put AWS concepts in the provider-neutral layer")
endif()
list(LENGTH FOLDERS count)
message(STATUS "the cloud seam is provider-neutral in ${count} folders")
