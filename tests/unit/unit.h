/* Included by every unit test: cmocka wants these headers first. */
#ifndef HZ_UNIT_H
#define HZ_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#endif
