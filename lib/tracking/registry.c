/*
 * registry.c - MLflow's model registry on mlw's model assets.
 */
#include "tracking/internal.h"

const struct handler mlw_tracking_registry_handlers[] = {
	{ NULL, NULL, NULL }
};
