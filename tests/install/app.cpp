/* The C program of the install test, compiled as C++ (tests/install.sh, CMake). */
#include "app.c"
