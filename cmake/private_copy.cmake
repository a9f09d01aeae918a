# cmake -DIN=obj -DOUT=obj -DKEEP=regex -DNM=nm -DOBJCOPY=objcopy -P private_copy.cmake
#
# Makes a second compilation of a file linkable beside the first: every symbol the object
# defines (functions, template instantiations, inline functions, typeinfo, and the local names
# that sign its COMDAT groups) gets the prefix pd_copy_, except those matching KEEP (the copy's
# entry points). Without this, the linker keeps one of each pair of same-named template
# instantiations (COMDAT groups are merged by name), so code built for AVX2 could be called on
# a CPU without it. References to other libraries are untouched.
execute_process(COMMAND ${NM} --defined-only --format=posix ${IN}
                OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${IN}")
endif()
string(REPLACE "\n" ";" lines "${listing}")
set(map "")
foreach(line IN LISTS lines)
  string(REGEX MATCH "^[^ ]+" sym "${line}")
  if(sym STREQUAL "" OR sym MATCHES "${KEEP}")
    continue()
  endif()
  string(APPEND map "${sym} pd_copy_${sym}\n")
endforeach()
file(WRITE ${OUT}.syms "${map}")
execute_process(COMMAND ${OBJCOPY} --redefine-syms=${OUT}.syms ${IN} ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "objcopy failed on ${IN}")
endif()
