#ifndef NOVYSE_CHIREDIS_SHIM_H
#define NOVYSE_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
