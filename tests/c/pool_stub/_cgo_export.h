/* _cgo_export.h for tests/c/pool_race_test.c: the one Go export wall_pool.c calls. */
#include "wall.h"
void vmpgo_serve(wall_worker *w);
