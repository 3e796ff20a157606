/*
 * keep_libs.c - preloaded into the sanitizer runs (scripts/test-sanitize.sh): dlclose()
 * does nothing, so libraries stay mapped until exit. The Vulkan loader closes the driver
 * and the validation layer when the instance goes; a leak report at exit then showed their
 * allocations as "<unknown module>", which no suppression can name (Debian 12's loader
 * predates VK_LOADER_DISABLE_DYNAMIC_LIBRARY_UNLOADING). Not part of vrgen.
 */
int dlclose(void *handle);

int dlclose(void *handle)
{
    (void)handle;
    return 0;
}
