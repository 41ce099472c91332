// A neutral seam that slipped: the check must name both lines below.
#pragma once
#include "src/api/ec2_nodeclass.h"
inline const char* kPrefix = "aws:///";
