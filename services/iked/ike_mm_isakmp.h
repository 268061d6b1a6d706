/* The codec, for main mode's files. */
#pragma once

#include "isakmp_build.h"
#include "isakmp_codec.h"
