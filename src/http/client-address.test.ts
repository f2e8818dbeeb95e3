import { describe, expect, it } from 'vitest';
import { clientAddressKey, parseTrustProxy, TRUST_PROXY_HOPS_MAX, UNREADABLE_ADDRESS_KEY } from './client-address.js';

describe('clientAddressKey', () => {
  it('keys an IPv4 address by itself', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('203.0.113.8')).not.toBe(clientAddressKey('203.0.113.7'));
  });

  it('keys every address of one IPv6 /64 alike, in full and compressed forms', () => {
    const key = clientAddressKey('2001:db8:85a3:1234::1');
    expect(key).toBe('2001:db8:85a3:1234::/64');
    expect(clientAddressKey('2001:0db8:85a3:1234:0000:0000:0000:0001')).toBe(key);
    expect(clientAddressKey('2001:DB8:85A3:1234:ffff:eeee:dddd:cccc')).toBe(key);
    expect(clientAddressKey('2001:db8:85a3:1234:a::b')).toBe(key);
    expect(clientAddressKey('2001:db8:85a3:1234::1%eth0')).toBe(key);
  });

  it('gives another /64 another key, including ones that differ only by where :: falls', () => {
    expect(clientAddressKey('2001:db8:85a3:1235::1')).toBe('2001:db8:85a3:1235::/64');
    expect(clientAddressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddressKey('2001:db8::1:0:0:1')).toBe('2001:db8:0:0::/64');
    expect(clientAddressKey('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKey('::')).toBe('0:0:0:0::/64');
    expect(clientAddressKey('fe80::')).toBe('fe80:0:0:0::/64');
  });

  it('keys an IPv4-mapped IPv6 address as the IPv4 address it carries', () => {
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(clientAddressKey('0:0:0:0:0:ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('0000:0000:0000:0000:0000:ffff:cb00:7107')).toBe('203.0.113.7');
    // Not mapped: another prefix before ffff is an ordinary IPv6 address.
    expect(clientAddressKey('1::ffff:203.0.113.7')).toBe('1:0:0:0::/64');
  });

  it('keys each spelling of one address alike: ports, brackets, zero-padded octets, spaces', () => {
    for (const text of ['203.0.113.9:1234', '203.0.113.9:1235', '203.0.113.009', ' 203.0.113.9 ', '203.000.113.9:80']) {
      expect(clientAddressKey(text), text).toBe('203.0.113.9');
    }
    for (const text of ['[2001:db8::1]', '[2001:db8::1]:443', '[2001:db8::2]:1']) {
      expect(clientAddressKey(text), text).toBe('2001:db8:0:0::/64');
    }
    expect(clientAddressKey('[::ffff:203.0.113.9]:80')).toBe('203.0.113.9');
  });

  it('puts everything that is not an address in one shared key, apart from every address', () => {
    const texts = ['unix-socket', 'unknown', '203.0.113.256', '203.0.113.9:123456', '[203.0.113.9]', '[2001:db8::1', '1.2.3'];
    for (const text of texts) expect(clientAddressKey(text), text).toBe(UNREADABLE_ADDRESS_KEY);
    expect(UNREADABLE_ADDRESS_KEY).not.toMatch(/^[\d.]+$|:/);
  });
});

describe('parseTrustProxy', () => {
  it('trusts nobody when unset, empty, false or 0', () => {
    for (const value of [undefined, '', 'false', 'FALSE', '0']) expect(parseTrustProxy(value)).toBe(false);
  });

  it('reads a hop count, and true as exactly one hop', () => {
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('true')).toBe(1);
    expect(() => parseTrustProxy(String(TRUST_PROXY_HOPS_MAX + 1))).toThrow(/hops/);
  });

  it('reads a list of addresses and CIDR blocks', () => {
    expect(parseTrustProxy('10.0.0.1, 192.168.0.0/16,fd00::/8 ,::1')).toEqual(['10.0.0.1', '192.168.0.0/16', 'fd00::/8', '::1']);
  });

  it.each(['yes', '10.0.0.0/33', 'fd00::/129', '10.0.0.1/8/8', '300.1.1.1', ',', '10.0.0.0/-1', '-1'])('refuses %s', (value) => {
    expect(() => parseTrustProxy(value)).toThrow(/hop count|hops/);
  });
});
