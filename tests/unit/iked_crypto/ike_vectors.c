#include "ike_vectors.h"

#include "ike_vectors.inc"
