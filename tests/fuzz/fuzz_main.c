/*
 * fuzz_main.c - standalone driver for a fuzz target in the normal test suite: runs
 * LLVMFuzzerTestOneInput once on each file named on the command line, or on each file of
 * a named folder (sorted by name). A folder that does not exist holds no inputs yet.
 * A failing input crashes, aborts or trips a sanitizer, as under libFuzzer, or takes the
 * process past libFuzzer's memory limit (2048 MB resident, as scripts/fuzz runs it;
 * FUZZ_RSS_LIMIT_MB overrides), which the driver checks after each input.
 * Not a fuzzer: no mutation, no coverage.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "fuzz_main: %s: %s\n", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) abort();
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0) break;
    }
    int err = ferror(fp);
    fclose(fp);
    if (err) {
        fprintf(stderr, "fuzz_main: %s: read error\n", path);
        free(buf);
        return -1;
    }
    /* an exact-size copy, so that a read past the end is caught by ASan where enabled */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) abort();
    if (len) memcpy(exact, buf, len);
    free(buf);
    fprintf(stderr, "fuzz_main: running %s (%zu bytes)\n", path, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    const char *env = getenv("FUZZ_RSS_LIMIT_MB");
    long limit_mb = env ? atol(env) : 2048;
    struct rusage ru;
    if (limit_mb > 0 && getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss / 1024 > limit_mb) {
        fprintf(stderr, "fuzz_main: %s: the process reached %ld MB resident (limit %ld MB)\n", path,
                ru.ru_maxrss / 1024, limit_mb);
        abort();
    }
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    int ran = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            if (errno == ENOENT) {
                fprintf(stderr, "fuzz_main: %s does not exist: no inputs\n", argv[i]);
                continue;
            }
            fprintf(stderr, "fuzz_main: %s: %s\n", argv[i], strerror(errno));
            failed++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (run_file(argv[i]) == 0)
                ran++;
            else
                failed++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (!d) {
            fprintf(stderr, "fuzz_main: %s: %s\n", argv[i], strerror(errno));
            failed++;
            continue;
        }
        char **names = NULL;
        size_t n = 0, cap = 0;
        for (struct dirent *e; (e = readdir(d));) {
            if (e->d_name[0] == '.') continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                names = realloc(names, cap * sizeof(*names));
                if (!names) abort();
            }
            size_t len = strlen(argv[i]) + strlen(e->d_name) + 2;
            names[n] = malloc(len);
            if (!names[n]) abort();
            snprintf(names[n++], len, "%s/%s", argv[i], e->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof(*names), cmp_names);
        for (size_t k = 0; k < n; k++) {
            if (stat(names[k], &st) == 0 && S_ISREG(st.st_mode)) {
                if (run_file(names[k]) == 0)
                    ran++;
                else
                    failed++;
            }
            free(names[k]);
        }
        free(names);
    }
    fprintf(stderr, "fuzz_main: %d inputs ran without a crash%s\n", ran,
            failed ? ", some could not be read" : "");
    return failed ? 1 : 0;
}
