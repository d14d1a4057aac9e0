"""SSRF guard: what webhook URLs may reach, checked without ever opening a connection."""

import ipaddress
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webhooks import transport
from webhooks.netguard import UnsafeURL, check_url, parse_ipv4_loose, refusal_reason

REFUSED_URLS = [
    "http://127.0.0.1/hook",
    "http://localhost:8000/hook",
    "http://2130706433/hook",
    "http://0x7f.1/hook",
    "http://017700000001/hook",
    "http://0x7f000001/hook",
    "http://127.1/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:7f00:1]/hook",
    "http://[::127.0.0.1]/hook",
    "http://[64:ff9b::a00:1]/hook",
    "http://[2002:c0a8:101::1]/hook",
    "http://10.1.2.3/hook",
    "http://172.16.0.1/hook",
    "https://192.168.1.10:8443/hook",
    "http://100.64.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://[fe80::1]/hook",
    "http://[fc00::1]/hook",
    "http://0.0.0.0/hook",
    "http://[::]/hook",
    "http://224.0.0.1/hook",
    "http://[ff02::1]/hook",
    "http://240.0.0.1/hook",
    "http://192.0.2.1/hook",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_private_and_special_addresses_are_refused_without_connecting(url, connect_spy):
    with pytest.raises(UnsafeURL):
        check_url(url)
    result = transport.post(url, body=b"{}", headers={}, timeout=1)
    assert result.status_code is None and result.error.startswith("Refused")
    assert connect_spy.calls == []


@pytest.mark.parametrize(
    "url",
    ["ftp://93.184.215.14/x", "file:///etc/passwd", "gopher://93.184.215.14/", "//93.184.215.14/", "http://"],
)
def test_only_http_and_https_are_accepted(url):
    with pytest.raises(UnsafeURL):
        check_url(url)


def test_credentials_in_the_url_are_refused():
    with pytest.raises(UnsafeURL):
        check_url("https://user:pw@93.184.215.14/hook")


@pytest.mark.parametrize(
    "url",
    ["https://93.184.215.14/hook", "http://93.184.215.14:8080/x?y=1", "https://[2606:4700::1111]:9443/"],
)
def test_public_addresses_on_any_port_are_accepted(url):
    target = check_url(url)
    assert target.scheme in ("http", "https")


def test_every_resolved_address_is_checked(monkeypatch):
    answers = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443)),
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", 443, 0, 0)),
    ]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: answers)
    with pytest.raises(UnsafeURL, match="loopback"):
        check_url("https://mixed.example/hook")


def test_unresolvable_host_is_refused(monkeypatch):
    def fail(*a, **k):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(UnsafeURL) as caught:
        check_url("https://nowhere.invalid/hook")
    assert caught.value.code == "unresolvable_host"


def test_allow_private_lets_loopback_through_but_never_metadata():
    assert check_url("http://127.0.0.1:9/x", allow_private=True).address == "127.0.0.1"
    with pytest.raises(UnsafeURL):
        check_url("http://169.254.169.254/", allow_private=True)
    with pytest.raises(UnsafeURL):
        check_url("http://[::ffff:169.254.169.254]/", allow_private=True)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.0x1.2", "10.1.0.2"),
        ("8.8.8.8", "8.8.8.8"),
        ("example.com", None),
        ("256.1.1.1", None),
        ("1.2.3.4.5", None),
        ("09", None),
    ],
)
def test_encoded_ipv4_is_decoded_like_inet_aton(host, expected):
    decoded = parse_ipv4_loose(host)
    assert (str(decoded) if decoded else None) == expected
    if expected:
        assert socket.inet_aton(host) == ipaddress.IPv4Address(expected).packed


def test_refusal_reason_names_the_kind_of_address():
    assert refusal_reason(ipaddress.ip_address("100.100.1.1")) == "a shared (CGNAT) address"
    assert "metadata" in refusal_reason(ipaddress.ip_address("169.254.169.254"))
    assert refusal_reason(ipaddress.ip_address("1.1.1.1")) is None


FORBIDDEN_V4 = [
    ipaddress.ip_network(net)
    for net in (
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "100.64.0.0/10",
    )
]


def _encodings(ip: ipaddress.IPv4Address) -> list[str]:
    number, octets = int(ip), ip.packed
    return [
        str(number),
        hex(number),
        "0" + oct(number)[2:],
        ".".join(hex(b) for b in octets),
        ".".join("0" + oct(b)[2:] for b in octets),
        f"{octets[0]}.{int.from_bytes(octets[1:], 'big')}",
        f"{octets[0]}.{octets[1]}.{int.from_bytes(octets[2:], 'big')}",
        f"[::ffff:{ip}]",
    ]


@given(network=st.sampled_from(FORBIDDEN_V4), offset=st.integers(min_value=0, max_value=2**24))
def test_every_encoding_of_a_forbidden_ipv4_is_refused(network, offset):
    ip = network[offset % network.num_addresses]
    for host in _encodings(ip):
        with pytest.raises(UnsafeURL):
            check_url(f"http://{host}:8080/hook")
