/* vk_spirv.c - lookup in the generated table of embedded SPIR-V variants. */
#include "gen/vk/vk_spirv.h"

#include <string.h>

const gen_vk_spirv *gen_vk_spirv_find(const char *name)
{
    for (const gen_vk_spirv *s = gen_vk_spirv_table; s->name; s++)
        if (strcmp(s->name, name) == 0) return s;
    return NULL;
}
