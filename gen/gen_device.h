/*
 * gen_device.h - what Vulkan devices this machine has, and which one vrgen picks.
 * For `vrgen info` and for device selection; creates no logical device.
 */
#ifndef GEN_DEVICE_H
#define GEN_DEVICE_H

#include <stdint.h>

typedef struct gen_device_info {
    char name[256];
    const char *type; /* "discrete GPU", "integrated GPU", "virtual GPU", "CPU", "other" */
    char driver[256]; /* driver name and info */
    uint32_t api_version;
    uint32_t vendor_id, device_id;
    uint64_t device_local_bytes; /* largest device-local heap */
    uint32_t max_workgroup_invocations;
    uint32_t max_shared_bytes;
    uint32_t max_storage_buffer_range;
    uint32_t subgroup_size;
    int fp16;      /* shaderFloat16 + 16-bit storage */
    int usable;    /* meets vrgen's requirements */
    char why[160]; /* why not usable */
    int score;     /* preference: discrete > integrated > virtual > CPU */
} gen_device_info;

/*
 * Lists the Vulkan devices into *list (malloc'd, caller frees with free()), and the index
 * vrgen would pick for `want` (NULL = best; "N" = index; else a case-insensitive name
 * substring) into *chosen (-1 when none matches or none is usable). Returns VG_OK, or
 * VG_ERR_NO_DEVICE when Vulkan itself cannot be loaded or reports no device (message
 * logged with what to install).
 */
int gen_device_list(const char *want, gen_device_info **list, int *count, int *chosen);

/* gen_device_list(NULL, ...) that logs nothing when there is no driver or no device
 * (VG_ERR_NO_DEVICE): for the automatic backend choice, which then takes the cpu backend. */
int gen_device_probe(gen_device_info **list, int *count, int *chosen);

/* "1.3.230" */
void gen_device_api_string(uint32_t api, char *buf, int len);

#endif /* GEN_DEVICE_H */
