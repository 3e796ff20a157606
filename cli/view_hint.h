/* view_hint.h - the controls hint picture of `vrgen view` (generated at build time from
 * samples/view_hint.png by cmake/embed.cmake; size 0 when the build has none). */
#ifndef VRGEN_VIEW_HINT_H
#define VRGEN_VIEW_HINT_H

#include <stddef.h>

extern const unsigned char vrgen_view_hint[];
extern const size_t vrgen_view_hint_size;

#endif /* VRGEN_VIEW_HINT_H */
