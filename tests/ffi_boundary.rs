//! The panic boundary and handle checks, called from Rust through the C functions.

use gamenet::ffi::boundary::{gamenet_debug_panic, gamenet_last_error};
use gamenet::ffi::datagram::{
    gamenet_datagram, gamenet_datagram_add_uint8, gamenet_datagram_free, gamenet_datagram_new,
};
use gamenet::ffi::error::gamenet_result;

fn last_error() -> String {
    let mut buf = [0u8; 256];
    let mut len = 0usize;
    assert_eq!(
        gamenet_last_error(buf.as_mut_ptr().cast(), buf.len(), &mut len),
        gamenet_result::GAMENET_OK
    );
    String::from_utf8(buf[..len].to_vec()).unwrap()
}

#[test]
fn a_panic_becomes_a_result_code() {
    let r = gamenet_debug_panic(c"from rust".as_ptr());
    assert_eq!(r, gamenet_result::GAMENET_ERR_PANIC);
    assert_eq!(last_error(), "panic inside gamenet: from rust");
    let r = gamenet_debug_panic(std::ptr::null());
    assert_eq!(r, gamenet_result::GAMENET_ERR_PANIC);
    assert_eq!(last_error(), "panic inside gamenet: gamenet_debug_panic");
}

#[test]
fn double_free_is_an_error_not_a_crash() {
    let mut d: *mut gamenet_datagram = std::ptr::null_mut();
    assert_eq!(gamenet_datagram_new(&mut d), gamenet_result::GAMENET_OK);
    assert_eq!(gamenet_datagram_add_uint8(d, 1), gamenet_result::GAMENET_OK);
    assert_eq!(gamenet_datagram_free(d), gamenet_result::GAMENET_OK);
    assert_eq!(
        gamenet_datagram_free(d),
        gamenet_result::GAMENET_ERR_INVALID_HANDLE
    );
    assert!(last_error().contains("freed twice"));
    assert_eq!(
        gamenet_datagram_add_uint8(d, 1),
        gamenet_result::GAMENET_ERR_INVALID_HANDLE
    );
}
