//! Compiles the C tests (`tests/c/*.c`) and the examples (`examples-c/*.c`) against the
//! static library that `cargo test` just built, with `-std=c11 -Wall -Wextra -Werror
//! -pedantic` and AddressSanitizer plus UndefinedBehaviorSanitizer, runs them, and checks
//! that the header also compiles as C++17 with `-Werror`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `target/<profile>/deps`, where cargo leaves `libgamenet.a` next to the test binaries.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().to_path_buf();
    assert!(
        dir.join("libgamenet.a").exists(),
        "libgamenet.a not found in {}",
        dir.display()
    );
    dir
}

fn out_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-tests");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Compiles `src` into an executable with the sanitizers and returns its path.
fn compile(src: &Path, name: &str) -> PathBuf {
    // Per process, so that concurrent runs of the suite never share an executable.
    let exe = out_dir().join(format!("{name}-{}", std::process::id()));
    let out = Command::new("cc")
        .args([
            "-std=c11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-g",
            "-O1",
            "-fno-omit-frame-pointer",
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=undefined",
        ])
        .arg("-I")
        .arg(root().join("include"))
        .arg("-I")
        .arg(root().join("tests/c"))
        .arg(src)
        .arg("-o")
        .arg(&exe)
        .arg(lib_dir().join("libgamenet.a"))
        .args(["-lpthread", "-ldl", "-lm"])
        .output()
        .expect("run cc");
    assert!(
        out.status.success(),
        "compiling {} failed:\n{}",
        src.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// Runs an executable under the sanitizers; returns its stdout after checking it exited 0.
/// Within 300 s (coreutils' `timeout`): a C test that hangs fails instead of stalling the
/// run (status 124).
fn run(exe: &Path, args: &[&str]) -> String {
    let out = Command::new("timeout")
        .arg("300")
        .arg(exe)
        .args(args)
        .env(
            "ASAN_OPTIONS",
            "detect_leaks=1:abort_on_error=0:exitcode=86",
        )
        .env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        .output()
        .expect("run C test");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        exe.display(),
        out.status,
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Compiles and runs `tests/c/<name>.c`, which must end with "N passed, 0 failed".
fn c_test(name: &str) {
    let exe = compile(&root().join(format!("tests/c/{name}.c")), name);
    let stdout = run(&exe, &[]);
    let last = stdout.lines().last().unwrap_or("");
    assert!(
        last.ends_with(" passed, 0 failed") && !last.starts_with("0 passed"),
        "{name}: unexpected summary '{last}'"
    );
}

#[test]
fn c_contract() {
    c_test("test_contract");
}

#[test]
fn c_null_arguments() {
    c_test("test_null");
}

#[test]
fn c_datagram() {
    c_test("test_datagram");
}

#[test]
fn c_io() {
    c_test("test_io");
}

#[test]
fn c_manager() {
    c_test("test_manager");
}

#[test]
fn c_view() {
    c_test("test_view");
}

#[test]
fn c_batch() {
    c_test("test_batch");
}

#[test]
fn c_queues() {
    c_test("test_queues");
}

#[test]
fn c_msg() {
    c_test("test_msg");
}

#[test]
fn c_msg_batches_callbacks_and_figures() {
    c_test("test_msg_batch");
}

#[test]
fn c_msg_ping_data_deferred_answers_and_adopted_ids() {
    c_test("test_msg_ping");
}

#[test]
fn c_msgpack() {
    c_test("test_msgpack");
}

#[test]
fn c_null_arguments_of_the_message_layer() {
    c_test("test_null_msg");
}

/// Every function of the header has its NULL tests in `tests/c/test_null.c` or (the
/// message layer's) `tests/c/test_null_msg.c`.
#[test]
fn every_function_has_a_null_test() {
    let header = std::fs::read_to_string(root().join("include/gamenet.h")).unwrap();
    let tests = ["tests/c/test_null.c", "tests/c/test_null_msg.c"]
        .map(|f| std::fs::read_to_string(root().join(f)).unwrap())
        .concat();
    let mut missing = Vec::new();
    let mut count = 0;
    for line in header.lines() {
        if line.starts_with("typedef") || line.starts_with("//") {
            continue;
        }
        let Some(paren) = line.find('(') else {
            continue;
        };
        let Some(start) = line[..paren].rfind(|c: char| !(c.is_alphanumeric() || c == '_')) else {
            continue;
        };
        let name = &line[start + 1..paren];
        if !name.starts_with("gamenet_") {
            continue;
        }
        count += 1;
        if !tests.contains(&format!("{name}(")) {
            missing.push(name.to_string());
        }
    }
    assert!(count > 100, "parsed only {count} functions from the header");
    assert!(missing.is_empty(), "no NULL test for: {missing:?}");
}

#[test]
fn header_compiles_alone_as_c11_and_cpp17() {
    let dir = out_dir();
    let c = dir.join("header_only.c");
    std::fs::write(
        &c,
        "#include \"gamenet.h\"\nint main(void) { return gamenet_version() == 0; }\n",
    )
    .unwrap();
    let cpp = dir.join("header_only.cpp");
    std::fs::write(
        &cpp,
        "#include \"gamenet.h\"\nint main() { return gamenet_version() == nullptr; }\n",
    )
    .unwrap();
    for (compiler, std, src) in [("cc", "-std=c11", &c), ("c++", "-std=c++17", &cpp)] {
        let out = Command::new(compiler)
            .args([
                std,
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-fsyntax-only",
            ])
            .arg("-I")
            .arg(root().join("include"))
            .arg(src)
            .output()
            .expect("run compiler");
        assert!(
            out.status.success(),
            "{compiler} {std} rejects the header:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The echo server example serving one client: the process, its remaining output lines,
/// and the port it listens on.
fn start_echo_server(
    name: &str,
) -> (
    std::process::Child,
    std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
    u16,
) {
    use std::io::{BufRead, BufReader};
    let server = compile(&root().join("examples-c/echo_server.c"), name);
    let mut srv = Command::new(&server)
        .args(["0", "1"])
        .env("ASAN_OPTIONS", "detect_leaks=1:exitcode=86")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(srv.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let port = first
        .rsplit(':')
        .next()
        .and_then(|p| p.trim().parse::<u16>().ok())
        .unwrap_or_else(|| panic!("no port in '{first}'"));
    (srv, lines, port)
}

#[test]
fn example_echo_server_and_client_run_against_each_other() {
    let client = compile(&root().join("examples-c/echo_client.c"), "echo_client");
    let (mut srv, lines, port) = start_echo_server("echo_server");
    let out = run(&client, &[&port.to_string(), "50"]);
    assert!(out.contains("echo 49: \"hello 49\""), "{out}");
    assert!(out.contains("50 echoes, round trip median"), "{out}");
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert!(srv.wait().unwrap().success(), "{rest:?}");
    let rest = rest.join("\n");
    assert!(rest.contains("closed (peer closed)"), "{rest}");
    assert!(
        rest.contains("echoed 50 datagrams, 1 client(s) served"),
        "{rest}"
    );
}

/// The README's C quick start compiles as written, runs, and echoes a framed datagram.
#[test]
fn readme_quick_start_compiles_runs_and_echoes() {
    use std::io::{BufRead, BufReader, Read, Write};
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = &readme[readme
        .find("## C quick start")
        .expect("quick start section")..];
    let start = section.find("```c\n").expect("a C block") + 5;
    let code = &section[start..start + section[start..].find("```").unwrap()];
    let src = out_dir().join(format!("quick_start-{}.c", std::process::id()));
    std::fs::write(&src, code).unwrap();
    let exe = compile(&src, "quick_start");
    let mut srv = Command::new(&exe)
        .arg("0")
        .env("ASAN_OPTIONS", "detect_leaks=0")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(srv.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let port: u16 = first
        .strip_prefix("echoing on port ")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line '{first}'"));
    let mut peer = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    peer.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    peer.write_all(b"\x05\x00hello").unwrap();
    let mut back = [0u8; 7];
    peer.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"\x05\x00hello");
    drop(peer);
    srv.kill().unwrap();
    srv.wait().unwrap();
}

#[test]
fn example_udp_exchange_runs() {
    let exe = compile(&root().join("examples-c/udp_exchange.c"), "udp_exchange");
    let out = run(&exe, &["20"]);
    assert!(out.contains("20/20 exchanged over UDP"), "{out}");
}

/// The game-loop client connects without blocking and trades datagrams with the echo
/// server inside its fixed time step.
#[test]
fn example_game_loop_client_against_the_echo_server() {
    let client = compile(
        &root().join("examples-c/game_loop_client.c"),
        "game_loop_client",
    );
    let (mut srv, lines, port) = start_echo_server("echo_server_gl");
    let out = run(&client, &["localhost", &port.to_string(), "30"]);
    assert!(out.contains("connected after"), "{out}");
    assert!(out.contains("30 datagrams sent, 30 echoed"), "{out}");
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    assert!(srv.wait().unwrap().success(), "{rest:?}");
}

/// The chat examples: a server on every address, one client over IPv6 and one over IPv4;
/// a line from one reaches both, every close has its reason.
#[test]
fn example_chat_server_and_clients() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    let server = compile(&root().join("examples-c/chat_server.c"), "chat_server");
    let client = compile(&root().join("examples-c/chat_client.c"), "chat_client");
    let mut srv = Command::new(&server)
        .arg("0")
        .env("ASAN_OPTIONS", "detect_leaks=0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut srv_out = BufReader::new(srv.stdout.take().unwrap()).lines();
    let first = srv_out.next().unwrap().unwrap();
    let port = first
        .strip_prefix("chat server on port ")
        .unwrap_or_else(|| panic!("{first}"))
        .to_string();
    // b listens (its input stays open), over IPv4.
    let mut b = Command::new(&client)
        .args(["127.0.0.1", &port, "b"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut b_out = BufReader::new(b.stdout.take().unwrap()).lines();
    assert_eq!(b_out.next().unwrap().unwrap(), "joined as b");
    // a says one line over IPv6 and leaves when it has come back.
    let mut a = Command::new(&client)
        .args(["::1", &port, "a"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    a.stdin
        .take()
        .unwrap()
        .write_all(b"hello from a\n")
        .unwrap();
    let a_out = a.wait_with_output().unwrap();
    let a_text = String::from_utf8_lossy(&a_out.stdout);
    assert!(a_out.status.success(), "{a_text}");
    assert!(
        a_text.contains("a: hello from a") && a_text.contains("closed: bye"),
        "{a_text}"
    );
    assert_eq!(b_out.next().unwrap().unwrap(), "a: hello from a");
    drop(b.stdin.take()); // b's input ends: it leaves
    assert_eq!(b_out.next().unwrap().unwrap(), "closed: bye");
    assert!(b.wait().unwrap().success());
    let mut log = Vec::new();
    while log
        .iter()
        .filter(|l: &&String| l.contains("closed: bye"))
        .count()
        < 2
    {
        log.push(srv_out.next().unwrap().unwrap());
    }
    srv.kill().unwrap();
    srv.wait().unwrap();
    let log = log.join("\n");
    assert!(
        log.contains("joined as a") && log.contains("joined as b"),
        "{log}"
    );
    assert!(log.contains("a: hello from a"), "{log}");
}
