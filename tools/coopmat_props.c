/* coopmat_props: lists the VK_KHR_cooperative_matrix shapes of every Vulkan
 * device (vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR), for the
 * cooperative-matrix kernels (docs/design.md#kernels).
 *
 *   meson compile -C build coopmat-props    (build/tools/coopmat-props, not installed)
 *   cc -std=c11 -Isrc/vulkan -o coopmat-props tools/coopmat_props.c -lvulkan
 *   CACHE/run ./coopmat-props          (the trixie lavapipe, .ci/trixie-env)
 *
 * Prints, per device: its name, driver info and API version, whether it
 * exposes VK_KHR_cooperative_matrix (and the cooperativeMatrix feature and
 * supported stages), then one line per shape:
 *   MxNxK A=f16 B=f16 C=f32 Result=f32 scope=subgroup saturating=0
 * Exit status 0 when some device exposes the extension with at least one
 * shape, 1 when none does, 2 on a Vulkan error.
 *
 * Debian 12's Vulkan headers (1.3.239) predate the KHR extension: its types
 * are declared here when the headers lack them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vulkan/vulkan.h>

#include "coopmat.h" /* src/vulkan: the declarations Debian 12's headers lack */

static const char *component_name(int t)
{
    switch (t) {
    case 0: return "f16";
    case 1: return "f32";
    case 2: return "f64";
    case 3: return "s8";
    case 4: return "s16";
    case 5: return "s32";
    case 6: return "s64";
    case 7: return "u8";
    case 8: return "u16";
    case 9: return "u32";
    case 10: return "u64";
    case 1000141000: return "bf16";      /* VK_KHR_shader_bfloat16 */
    case 1000491000: return "s8packed";  /* VK_NV_cooperative_matrix2 */
    case 1000491001: return "u8packed";
    case 1000491002: return "e4m3";      /* VK_EXT_shader_float8 */
    case 1000491003: return "e5m2";
    default: return NULL;
    }
}

static void print_component(const char *label, int t)
{
    const char *n = component_name(t);
    if (n)
        printf(" %s=%s", label, n);
    else
        printf(" %s=%d", label, t);
}

static const char *scope_name(int s)
{
    switch (s) {
    case 1: return "device";
    case 2: return "workgroup";
    case 3: return "subgroup";
    case 5: return "queue-family";
    default: return "?";
    }
}

int main(void)
{
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "coopmat-props",
        .apiVersion = VK_API_VERSION_1_3,
    };
    VkInstanceCreateInfo ici = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .pApplicationInfo = &app,
    };
    VkInstance inst;
    VkResult r = vkCreateInstance(&ici, NULL, &inst);
    if (r != VK_SUCCESS) {
        fprintf(stderr, "coopmat-props: vkCreateInstance failed (%d)\n", (int)r);
        return 2;
    }
    PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR get_props =
        (PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR)vkGetInstanceProcAddr(
            inst, "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR");

    uint32_t ndev = 0;
    vkEnumeratePhysicalDevices(inst, &ndev, NULL);
    VkPhysicalDevice *devs = calloc(ndev ? ndev : 1, sizeof *devs);
    vkEnumeratePhysicalDevices(inst, &ndev, devs);
    if (ndev == 0)
        fprintf(stderr, "coopmat-props: no Vulkan device\n");

    int found = 0;
    for (uint32_t d = 0; d < ndev; d++) {
        VkPhysicalDeviceDriverProperties drv = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES,
        };
        VkPhysicalDeviceCooperativeMatrixPropertiesKHR cmp = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_PROPERTIES_KHR,
        };
        VkPhysicalDeviceProperties2 p2 = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
            .pNext = &drv,
        };

        uint32_t next = 0;
        vkEnumerateDeviceExtensionProperties(devs[d], NULL, &next, NULL);
        VkExtensionProperties *exts = calloc(next ? next : 1, sizeof *exts);
        vkEnumerateDeviceExtensionProperties(devs[d], NULL, &next, exts);
        int has_ext = 0;
        for (uint32_t i = 0; i < next; i++)
            if (!strcmp(exts[i].extensionName, VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME))
                has_ext = 1;
        free(exts);
        if (has_ext)
            drv.pNext = &cmp;   /* only chained where the device knows it */
        vkGetPhysicalDeviceProperties2(devs[d], &p2);
        uint32_t v = p2.properties.apiVersion;
        printf("device %u: %s, %s %s, Vulkan %u.%u.%u\n", d, p2.properties.deviceName,
               drv.driverName, drv.driverInfo, VK_API_VERSION_MAJOR(v),
               VK_API_VERSION_MINOR(v), VK_API_VERSION_PATCH(v));
        if (!has_ext || !get_props) {
            printf("  VK_KHR_cooperative_matrix: not exposed\n");
            continue;
        }

        VkPhysicalDeviceCooperativeMatrixFeaturesKHR cmf = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR,
        };
        VkPhysicalDeviceFeatures2 f2 = {
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
            .pNext = &cmf,
        };
        vkGetPhysicalDeviceFeatures2(devs[d], &f2);
        printf("  VK_KHR_cooperative_matrix: exposed, cooperativeMatrix=%u "
               "robustBufferAccess=%u stages=0x%x (compute %s)\n",
               cmf.cooperativeMatrix, cmf.cooperativeMatrixRobustBufferAccess,
               cmp.cooperativeMatrixSupportedStages,
               (cmp.cooperativeMatrixSupportedStages & VK_SHADER_STAGE_COMPUTE_BIT) ? "yes" : "no");

        uint32_t n = 0;
        r = get_props(devs[d], &n, NULL);
        if (r != VK_SUCCESS) {
            fprintf(stderr, "coopmat-props: vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR failed (%d)\n", (int)r);
            return 2;
        }
        VkCooperativeMatrixPropertiesKHR *props = calloc(n ? n : 1, sizeof *props);
        for (uint32_t i = 0; i < n; i++)
            props[i].sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR;
        get_props(devs[d], &n, props);
        printf("  %u shape(s):\n", n);
        for (uint32_t i = 0; i < n; i++) {
            const VkCooperativeMatrixPropertiesKHR *c = &props[i];
            printf("    %ux%ux%u", c->MSize, c->NSize, c->KSize);
            print_component("A", c->AType);
            print_component("B", c->BType);
            print_component("C", c->CType);
            print_component("Result", c->ResultType);
            printf(" scope=%s saturating=%u\n", scope_name(c->scope), c->saturatingAccumulation);
        }
        if (n > 0 && cmf.cooperativeMatrix)
            found = 1;
        free(props);
    }
    free(devs);
    vkDestroyInstance(inst, NULL);
    return found ? 0 : 1;
}
