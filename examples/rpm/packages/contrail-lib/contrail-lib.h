/* contrail-lib demo header: what contrail-control's spec build-requires (contrail-lib-devel). */
#define CONTRAIL_LIB_VERSION "4.0.0.0-20"
