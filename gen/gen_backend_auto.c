/*
 * gen_backend_auto.c - what GEN_BACKEND_AUTO means: Vulkan when the best device is a GPU,
 * the native CPU backend when the only Vulkan devices are CPU implementations (lavapipe,
 * SwiftShader: on a 2-core machine lavapipe peaks near 40 GFLOP/s, native SIMD code
 * several times that) or when there is no Vulkan device at all.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/vg_log.h"
#include "gen/gen_backend.h"
#include "gen/gen_device.h"

static void say(char *why, size_t len, const char *fmt, const char *arg)
{
    if (why && len) snprintf(why, len, fmt, arg);
}

/* What the choice needs from the probe. */
typedef struct probe_answer {
    int found;      /* a usable device was chosen */
    int cpu;        /* ... and it is a CPU implementation */
    char name[256]; /* its name */
} probe_answer;

static void probe_here(probe_answer *a)
{
    gen_device_info *devs = NULL;
    int count = 0, chosen = -1;
    memset(a, 0, sizeof(*a));
    if (gen_device_probe(&devs, &count, &chosen) == 0 && chosen >= 0) {
        a->found = 1;
        a->cpu = strcmp(devs[chosen].type, "CPU") == 0;
        snprintf(a->name, sizeof(a->name), "%s", devs[chosen].name);
    }
    free(devs);
}

/* Whether this process has one thread (/proc/self/task has one entry). */
static int single_threaded(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d) return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n == 1;
}

/*
 * The probe loads every Vulkan driver. lavapipe brings LLVM with it: about 45 MB that stay
 * resident after the instance is gone (and 80 ms), for an answer that is then "use the cpu
 * backend". So a single-threaded process probes in a child, whose memory goes back when it
 * exits; a process with threads probes in place (a forked child would inherit locks that
 * the other threads hold). A child that dies in a driver is an answer too: no device.
 */
static void probe(probe_answer *a)
{
    int fd[2];
    if (!single_threaded() || pipe(fd) < 0) {
        probe_here(a);
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        probe_here(a);
        return;
    }
    if (pid == 0) {
        close(fd[0]);
        probe_answer c;
        probe_here(&c);
        const char *p = (const char *)&c;
        for (size_t done = 0; done < sizeof(c);) {
            ssize_t n = write(fd[1], p + done, sizeof(c) - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) _exit(1);
            done += (size_t)n;
        }
        _exit(0);
    }
    close(fd[1]);
    size_t got = 0;
    while (got < sizeof(*a)) {
        ssize_t n = read(fd[0], (char *)a + got, sizeof(*a) - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (got != sizeof(*a)) {
        memset(a, 0, sizeof(*a));
        if (WIFSIGNALED(status))
            vg_log(VG_LOG_WARN,
                   "the Vulkan device probe died (signal %d) in a driver: taking the cpu "
                   "backend",
                   WTERMSIG(status));
    }
    a->name[sizeof(a->name) - 1] = 0;
}

gen_backend_kind gen_backend_auto(const gen_backend_config *cfg, char *why, size_t why_len)
{
    const char *env = getenv("VRGEN_BACKEND");
    if (env && *env && strcmp(env, "auto") != 0) {
        static const struct {
            const char *name;
            gen_backend_kind kind;
        } names[] = {
            {"cpu", GEN_BACKEND_CPU}, {"vulkan", GEN_BACKEND_VULKAN}, {"ref", GEN_BACKEND_REF}};
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (strcmp(env, names[i].name) == 0) {
                say(why, why_len, "VRGEN_BACKEND=%s in the environment", env);
                return names[i].kind;
            }
    }
    if (cfg->vk_hooks) {
        say(why, why_len, "%s", "the Vulkan device comes from the OpenXR runtime");
        return GEN_BACKEND_VULKAN;
    }
    if (cfg->device) {
        say(why, why_len, "--device %s names a Vulkan device", cfg->device);
        return GEN_BACKEND_VULKAN;
    }
    probe_answer a;
    probe(&a);
    if (!a.found) {
        say(why, why_len, "%s", "no usable Vulkan device");
        return GEN_BACKEND_CPU;
    }
    if (a.cpu) {
        say(why, why_len,
            "the best Vulkan device, %s, is a CPU implementation: native CPU code is faster",
            a.name);
        return GEN_BACKEND_CPU;
    }
    say(why, why_len, "the best Vulkan device, %s, is a GPU", a.name);
    return GEN_BACKEND_VULKAN;
}
