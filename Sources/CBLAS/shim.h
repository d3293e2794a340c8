#include <cblas.h>
// OpenBLAS threading control (openblas_config.h declares these).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
// The kernel family OpenBLAS selected at load (DYNAMIC_ARCH), e.g. "Zen", "Cooperlake".
char* openblas_get_corename(void);
