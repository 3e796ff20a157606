/*
 * cli.h - what the vrgen subcommands share: the common options (-v, -q, --device,
 * --backend), their table entries, and the subcommand entry points. Subcommands are thin:
 * they parse options and call the library.
 */
#ifndef VRGEN_CLI_H
#define VRGEN_CLI_H

#include <stddef.h>

#include "common/vg_opt.h"
#include "gen/gen_backend.h"

/* Common options; embed as the first member `common` of a subcommand's config struct. */
typedef struct cli_common {
    int help;
    int verbose;
    int quiet;
    const char *device;
    int backend; /* index into cli_backend_names */
} cli_common;

extern const char *const cli_backend_names[]; /* "auto", "vulkan", "ref", "cpu" */

/* Table entries for the common options, for a struct whose member `common` is cli_common.
 * Use CLI_COMMON_OPTS(struct_type) at the end of a table, before the terminator. */
#define CLI_COMMON_OPTS(T)                                                                         \
    {"help", "h",  VG_OPT_FLAG, offsetof(T, common.help), NULL, 0,                                 \
     0,      NULL, NULL,        "show this help and exit"},                                        \
        {"verbose", "v",  VG_OPT_FLAG,    offsetof(T, common.verbose), NULL, 0, 0,                 \
         NULL,      NULL, "more messages"},                                                        \
        {"quiet", "q",  VG_OPT_FLAG,  offsetof(T, common.quiet), NULL, 0, 0,                       \
         NULL,    NULL, "errors only"},                                                            \
        {"device",                                                                                 \
         NULL,                                                                                     \
         VG_OPT_STRING,                                                                            \
         offsetof(T, common.device),                                                               \
         NULL,                                                                                     \
         0,                                                                                        \
         0,                                                                                        \
         NULL,                                                                                     \
         "N|NAME",                                                                                 \
         "Vulkan device by index or name (see vrgen info)"},                                       \
    {                                                                                              \
        "backend", NULL, VG_OPT_ENUM, offsetof(T, common.backend), "auto", 0, 0,                   \
            cli_backend_names, NULL,                                                               \
            "compute backend: auto (Vulkan on a GPU, else cpu; see vrgen info), vulkan, ref "      \
            "(slow plain-C reference), cpu (native SIMD, VRGEN_THREADS threads)"                   \
    }

/*
 * Parses argv for a subcommand and applies the common options (log level). Returns 1 when
 * the caller should go on, 0 after printing --help (exit 0), or a negative vg error.
 */
int cli_parse(const char *cmd, const char *usage, const char *about, const vg_opt *table, void *cfg,
              int argc, char **argv, vg_strlist *positional);

/* Creates the backend the common options ask for. */
int cli_backend(const cli_common *c, gen_backend **be);

/* Prints the exit status table (for --help). */
void cli_print_exit_codes(void);

/* A subcommand may set this to force the process exit status (e.g. 143 after SIGTERM). */
extern int cli_exit_override;

int cmd_info(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_stylize(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_view(int argc, char **argv);

#endif /* VRGEN_CLI_H */
