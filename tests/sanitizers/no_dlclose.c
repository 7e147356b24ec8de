/*
 * LD_PRELOAD shim for the sanitizer test setup ('asan', tests/sanitizers/):
 * dlclose() does nothing. The Vulkan loader unloads the driver (lavapipe)
 * and the validation layer when the last instance is destroyed; what they
 * still hold from their globals then shows up in LeakSanitizer's report
 * without a module name ("<unknown module>"), which no suppression can
 * match. With the libraries kept mapped, that memory stays reachable (not a
 * leak) and every report names its module. Debian 12's loader (1.3.239)
 * predates VK_LOADER_DISABLE_DYNAMIC_LIBRARY_UNLOADING, which does the same.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
int dlclose(void *handle);

int dlclose(void *handle)
{
    (void)handle;
    return 0;
}
