/* Asks the kernel to add 127.0.0.78/8 to the loopback interface with RTM_NEWADDR on a
 * NETLINK_ROUTE socket. argv[1]: the promises (pledge() when linked with libpledge; "-" under
 * the pledge command). argv[2]: "before" opens the socket before pledging (a socket a library
 * held), "after" under the promises (`dns` allows NETLINK_ROUTE for getaddrinfo). The message
 * goes out with send(), which `stdio` allows on any held socket. Prints "ack: <errno name or
 * 0>". The test checks the interface itself. */
#define _GNU_SOURCE /* strerrorname_np */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef CAPS_NO_LIBPLEDGE /* static builds for the pledge command, which give "-" */
static int pledge(const char *promises, const char *execpromises) {
    (void)promises, (void)execpromises;
    errno = ENOSYS;
    return -1;
}
#else
#include <pledge.h>
#endif

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    int before = strcmp(argv[2], "before") == 0;
    /* Under the command the promises already apply here, and SIOCGIFINDEX is no promise's:
     * lo is the first interface of every network namespace. */
    unsigned lo = if_nametoindex("lo");
    if (lo == 0) lo = 1;
    int fd = -1;
    if (before) fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (strcmp(argv[1], "-") != 0) {
        if (pledge(argv[1], NULL) != 0) { printf("pledge: %s\n", strerror(errno)); return 3; }
    }
    if (!before) fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) { printf("socket: %s\n", strerrorname_np(errno)); return 4; }

    struct {
        struct nlmsghdr nh;
        struct ifaddrmsg ifa;
        char attrs[64];
    } req;
    memset(&req, 0, sizeof req);
    req.nh.nlmsg_type = RTM_NEWADDR;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    req.nh.nlmsg_seq = 1;
    req.ifa.ifa_family = AF_INET;
    req.ifa.ifa_prefixlen = 8;
    req.ifa.ifa_scope = RT_SCOPE_HOST; /* the kernel refuses loopback addresses of wider scope */
    req.ifa.ifa_index = lo;
    req.nh.nlmsg_len = NLMSG_LENGTH(sizeof req.ifa);
    struct in_addr addr;
    inet_pton(AF_INET, "127.0.0.78", &addr);
    unsigned short types[2] = {IFA_LOCAL, IFA_ADDRESS};
    for (int i = 0; i < 2; i++) {
        struct rtattr *rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
        rta->rta_type = types[i];
        rta->rta_len = RTA_LENGTH(sizeof addr);
        memcpy(RTA_DATA(rta), &addr, sizeof addr);
        req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
    }
    if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) { printf("send: %s\n", strerrorname_np(errno)); return 5; }
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) { printf("recv: %s\n", strerrorname_np(errno)); return 6; }
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    if (h->nlmsg_type != NLMSG_ERROR) { printf("ack: none (type %d)\n", h->nlmsg_type); return 7; }
    int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
    printf("ack: %s\n", err == 0 ? "0" : strerrorname_np(-err));
    fflush(stdout);
    return 0;
}
