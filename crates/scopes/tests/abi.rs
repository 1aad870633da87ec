//! The pure core writes the Linux constants it needs as numbers (it has no libc dependency):
//! each one is libc's value.

#[test]
fn core_constants_are_libc_values() {
    use scopes_core::abi;
    let pairs = [
        ("EPERM", abi::EPERM, libc::EPERM),
        ("EIO", abi::EIO, libc::EIO),
        ("EACCES", abi::EACCES, libc::EACCES),
        ("EFAULT", abi::EFAULT, libc::EFAULT),
        ("EINVAL", abi::EINVAL, libc::EINVAL),
        ("ENAMETOOLONG", abi::ENAMETOOLONG, libc::ENAMETOOLONG),
        ("ENOSYS", abi::ENOSYS, libc::ENOSYS),
        ("EOPNOTSUPP", abi::EOPNOTSUPP, libc::EOPNOTSUPP),
        (
            "PR_SET_NO_NEW_PRIVS",
            abi::PR_SET_NO_NEW_PRIVS,
            libc::PR_SET_NO_NEW_PRIVS,
        ),
        ("AF_UNSPEC", abi::AF_UNSPEC, libc::AF_UNSPEC),
        ("AF_UNIX", abi::AF_UNIX, libc::AF_UNIX),
        ("AF_INET", abi::AF_INET, libc::AF_INET),
        ("AF_INET6", abi::AF_INET6, libc::AF_INET6),
        ("AF_KEY", abi::AF_KEY, libc::AF_KEY),
        ("AF_NETLINK", abi::AF_NETLINK, libc::AF_NETLINK),
        ("AF_PACKET", abi::AF_PACKET, libc::AF_PACKET),
        ("AF_BLUETOOTH", abi::AF_BLUETOOTH, libc::AF_BLUETOOTH),
        ("AF_ALG", abi::AF_ALG, libc::AF_ALG),
        ("AF_VSOCK", abi::AF_VSOCK, libc::AF_VSOCK),
    ];
    for (name, core, libc) in pairs {
        assert_eq!(core, libc, "scopes_core::abi::{name}");
    }
}
