/* Under the promises in argv[1] (given to pledge() when linked with libpledge; under the pledge
 * command, argv[1] is "-"), tries to give the file argv[2] capabilities and a trusted
 * attribute: setxattr("security.capability") with a valid v2 capability set (CAP_NET_RAW,
 * effective), which would make any later execution of the file run with CAP_NET_RAW, and
 * setxattr("trusted.x") and setxattr("security.x"). As a control, a user.* attribute (which `fattr` allows) is set too.
 * Prints one line per attempt: "<name>: ok" or "<name>: <errno name>". The test then reads the
 * file's attributes from outside. */
#define _GNU_SOURCE /* strerrorname_np */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>

#ifdef CAPS_NO_LIBPLEDGE /* static builds for the pledge command, which give "-" */
static int pledge(const char *promises, const char *execpromises) {
    (void)promises, (void)execpromises;
    errno = ENOSYS;
    return -1;
}
#else
#include <pledge.h>
#endif

static void attempt(const char *path, const char *name, const void *value, size_t size) {
    if (setxattr(path, name, value, size, 0) == 0)
        printf("%s: ok\n", name);
    else
        printf("%s: %s\n", name, strerrorname_np(errno));
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    if (strcmp(argv[1], "-") != 0) {
        if (pledge(argv[1], NULL) != 0) { printf("pledge: %s\n", strerror(errno)); return 3; }
    }
    /* struct vfs_cap_data, revision 2: magic_etc, then {permitted, inheritable} x 2. */
    uint32_t caps[5] = {0x02000000u /* VFS_CAP_REVISION_2 */ | 0x1u /* effective */,
                        1u << 13 /* CAP_NET_RAW */, 0, 0, 0};
    attempt(argv[2], "user.control", "x", 1);
    attempt(argv[2], "security.capability", caps, sizeof caps);
    attempt(argv[2], "trusted.x", "owned", 5);
    attempt(argv[2], "security.x", "owned", 5); /* any other security.* name: CAP_SYS_ADMIN */
    fflush(stdout);
    return 0;
}
