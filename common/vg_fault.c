/*
 * vg_fault.c - VRGEN_FAULT parsing and counters (see vg_fault.h).
 */
#include "common/vg_fault.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/vg_log.h"
#include "common/vg_opt.h"

#define MAX_FAULTS 8

typedef struct fault {
    char name[24];
    int64_t arg;
    atomic_llong calls;
} fault;

static fault g_faults[MAX_FAULTS];
static int g_count;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void parse(void)
{
    const char *env = getenv("VRGEN_FAULT");
    if (!env || !*env) return;
    char buf[256];
    size_t n = strlen(env);
    if (n >= sizeof(buf)) {
        vg_warn("VRGEN_FAULT is too long (%zu characters); ignored", n);
        return;
    }
    memcpy(buf, env, n + 1);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *at = strchr(tok, '@');
        int64_t arg = 0;
        if (at) *at = '\0';
        if (!*tok || strlen(tok) >= sizeof(g_faults[0].name) || g_count == MAX_FAULTS ||
            (at && vg_parse_size(at + 1, &arg) < 0)) {
            vg_warn("VRGEN_FAULT: '%s%s%s' is not NAME@N; ignored", tok, at ? "@" : "",
                    at ? at + 1 : "");
            continue;
        }
        fault *f = &g_faults[g_count++];
        strcpy(f->name, tok);
        f->arg = arg;
        vg_verbose("VRGEN_FAULT: injecting %s@%lld", f->name, (long long)arg);
    }
}

static fault *find(const char *name)
{
    pthread_once(&g_once, parse);
    for (int i = 0; i < g_count; i++)
        if (strcmp(g_faults[i].name, name) == 0) return &g_faults[i];
    return NULL;
}

int vg_fault_arg(const char *name, int64_t *arg)
{
    fault *f = find(name);
    if (f && arg) *arg = f->arg;
    return f != NULL;
}

int vg_fault_hit(const char *name)
{
    fault *f = find(name);
    if (!f) return 0;
    return atomic_fetch_add(&f->calls, 1) + 1 >= f->arg;
}
