import { isIP, isIPv4, isIPv6 } from 'node:net';

/**
 * Which peers may tell us the client's address through X-Forwarded-For: nobody (false),
 * the nearest N hops (a count), or the listed proxy addresses and CIDR blocks.
 */
export type TrustProxy = false | number | string[];

/** More hops than this is a misconfiguration, not a real chain of proxies. */
export const TRUST_PROXY_HOPS_MAX = 16;
/** Bounds on the list form, so a typo cannot make a huge matcher. */
export const TRUST_PROXY_ENTRIES_MAX = 64;
const TRUST_PROXY_ENTRY_LENGTH_MAX = 64;

const PREFIX_MAX_BY_FAMILY: Record<number, number> = { 4: 32, 6: 128 };

function isAddressOrCidr(entry: string): boolean {
  if (entry.length > TRUST_PROXY_ENTRY_LENGTH_MAX) return false;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (PREFIX_MAX_BY_FAMILY[family] ?? 0);
}

/**
 * Reads TRUST_PROXY. `true` means exactly one hop (the proxy in front of us), never
 * "believe every X-Forwarded-For", which would let any client pick its own address
 * and so its own rate-limit key. Throws an Error whose message says what is accepted.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return 1;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > TRUST_PROXY_HOPS_MAX) throw new Error(`at most ${TRUST_PROXY_HOPS_MAX} hops`);
    return hops === 0 ? false : hops;
  }
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length > TRUST_PROXY_ENTRIES_MAX) throw new Error(`at most ${TRUST_PROXY_ENTRIES_MAX} addresses`);
  const bad = entries.filter((entry) => !isAddressOrCidr(entry));
  if (entries.length === 0 || bad.length > 0) {
    throw new Error('must be false, a hop count (e.g. 1), or a comma-separated list of proxy addresses or CIDR blocks');
  }
  return entries;
}

const IPV6_GROUPS = 8;

/** The eight 16-bit groups of a valid IPv6 address (zone removed, dotted tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0] ?? '';
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const headGroups = parse(head);
  if (tail === undefined) return headGroups;
  const tailGroups = parse(tail);
  const zeros = new Array<number>(IPV6_GROUPS - headGroups.length - tailGroups.length).fill(0);
  return [...headGroups, ...zeros, ...tailGroups];
}

/**
 * The one key every client whose address cannot be read shares. Giving each odd text
 * its own key would let whoever can vary the text (or a proxy that writes a source
 * port) mint a fresh budget per request.
 */
export const UNREADABLE_ADDRESS_KEY = 'other';

// An IPv4 address as proxies write it: octets of up to three digits, maybe a port.
const IPV4_WITH_PORT = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::\d{1,5})?$/;
// An IPv6 address in brackets, maybe with a port: [2001:db8::1]:443.
const BRACKETED_WITH_PORT = /^\[([^\]]+)\](?::\d{1,5})?$/;
const OCTET_MAX = 255;

/**
 * The address in the text a proxy put in X-Forwarded-For, without a port or brackets,
 * IPv4 octets in plain decimal (203.0.113.009 is 203.0.113.9); undefined when it is no
 * address at all.
 */
export function normaliseAddress(text: string): string | undefined {
  const trimmed = text.trim();
  const bracketed = BRACKETED_WITH_PORT.exec(trimmed);
  if (bracketed) return isIPv6(bracketed[1] ?? '') ? bracketed[1] : undefined;
  if (isIPv6(trimmed)) return trimmed;
  const ipv4 = IPV4_WITH_PORT.exec(trimmed);
  if (!ipv4) return undefined;
  const octets = ipv4.slice(1, 5).map(Number);
  return octets.every((octet) => octet <= OCTET_MAX) ? octets.join('.') : undefined;
}

/**
 * The rate-limit key of a client address. An IPv4 address is its own key. An IPv6
 * client is keyed by its /64, because one subscriber usually holds a whole /64 and
 * could otherwise take a fresh address (and a fresh budget) for every request. An
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a dual-stack socket reports IPv4
 * clients) is keyed as the IPv4 address it carries. Ports, brackets and zero-padded
 * octets are removed first, so each spelling of one address shares its budget.
 */
export function clientAddressKey(text: string): string {
  const address = normaliseAddress(text);
  if (address === undefined) return UNREADABLE_ADDRESS_KEY;
  if (isIPv4(address)) return address;
  const groups = ipv6Groups(address);
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) {
    const [high = 0, low = 0] = groups.slice(6);
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/**
 * TRUST_PROXY in the form Fastify takes. A hop count becomes a function: Fastify reads a
 * bare number as "trust nobody", and proxy-addr calls the function with each address's
 * distance from us (0 is the socket peer), so `hop < hops` believes exactly the last
 * `hops` addresses the proxies added. A hop count cannot tell a proxy from a client that
 * connects directly, so it is only safe when the app is reachable through the proxy alone.
 */
export function fastifyTrustProxy(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust;
}

const IPV6_SLASH_64_KEY = /^([0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}):[0-9a-f]{1,4}::\/64$/;

/**
 * The coarser rate-limit key of an IPv6 client: its /48, the block one site or customer
 * is usually given. Whoever holds a whole allocation holds 65,536 /64s, each with its
 * own per-address budget; this second tier caps them together. Built from
 * clientAddressKey, so both tiers read an address the same way. undefined for IPv4
 * clients (and anything else), whose per-address key is the only one.
 */
export function clientNetworkKey(address: string): string | undefined {
  const match = IPV6_SLASH_64_KEY.exec(clientAddressKey(address));
  return match ? `${match[1]}::/48` : undefined;
}
