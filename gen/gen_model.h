/*
 * gen_model.h - model files: a network's parameters and architecture in safetensors
 * (docs/models.md). Saving writes atomically; loading validates strictly (format,
 * architecture, every tensor present with its exact shape, no unknown tensors, finite
 * values) and names the file and the problem on any failure. Not the training state:
 * checkpoints add optimizer moments on top of this (see the train command).
 */
#ifndef GEN_MODEL_H
#define GEN_MODEL_H

#include <stdio.h>

#include "gen/gen_net.h"
#include "gen/gen_safetensors.h"

#define GEN_MODEL_FORMAT    "vrgen-model-1"
#define GEN_MODEL_MAX_BYTES (256u << 20)

/* Extra metadata to store: NULL-terminated array of key, value pairs ({k, v, k, v, NULL}).
 * Keys "format", "kind", "width", "blocks", "pad", "up" are written by the saver. */
int gen_model_save(gen_net *net, const char *path, const char *const *meta, int overwrite);

/* Parameters of net as safetensors bytes (malloc'd, caller frees); for checkpoints and
 * tests. */
int gen_model_serialize(gen_net *net, const char *const *meta, unsigned char **data, size_t *size);

/* Reads the architecture of a model file into cfg (validating the metadata only). */
int gen_model_config(const gen_st_file *f, gen_net_config *cfg);

/*
 * Loads a model: parses path (or data/size when path is NULL; `what` names it in
 * messages), checks it, creates the network on be (with gradients and moments when
 * training) and uploads the parameters. *out owned by the caller (gen_net_destroy). When
 * meta_out is not NULL it receives the parsed file for reading metadata (caller destroys
 * it with gen_st_destroy; with data/size the bytes must outlive it).
 * Errors: VG_ERR_NOT_FOUND, VG_ERR_FORMAT (with a message naming the problem),
 * VG_ERR_LIMIT, device errors.
 */
int gen_model_load(gen_backend *be, const char *path, const unsigned char *data, size_t size,
                   const char *what, int training, gen_net **out, gen_st_file **meta_out);

/* `vrgen info MODEL`: architecture, parameter count, metadata. Returns load errors. */
int gen_model_describe(const char *path, FILE *f);

#endif /* GEN_MODEL_H */
