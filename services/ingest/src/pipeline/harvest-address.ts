// Which network addresses a harvest may connect to: public unicast only, unless HARVEST_ALLOW_HOSTS names the host
// or a CIDR holding the address (a local test server, an agency's system inside the administration network).
import { BlockList, isIP } from 'node:net';

/** address ranges a harvest never reaches by default, with the reason a refusal names */
const forbiddenV4: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'shared address space (CGNAT, RFC 6598)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (cloud metadata endpoints live here)'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved or broadcast'],
];
const forbiddenV6: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['fc00::', 7, 'unique local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local (deprecated, private)'],
  ['ff00::', 8, 'multicast'],
];

function blockList(ranges: Array<[string, number, string]>, family: 'ipv4' | 'ipv6'): Array<{ list: BlockList; reason: string }> {
  return ranges.map(([address, prefix, reason]) => {
    const list = new BlockList();
    list.addSubnet(address, prefix, family);
    return { list, reason };
  });
}
const v4Lists = blockList(forbiddenV4, 'ipv4');
const v6Lists = blockList(forbiddenV6, 'ipv6');

/** the 32-bit IPv4 address carried by an IPv6 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64, 6to4), if any */
export function embeddedIPv4(address: string): string | undefined {
  const words = expandIPv6(address);
  if (!words) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zero = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  if (zero(0, 5) && words[5] === 0xffff) return v4(words[6]!, words[7]!); // ::ffff:0:0/96 mapped
  if (zero(0, 6) && (words[6] !== 0 || words[7]! > 1)) return v4(words[6]!, words[7]!); // ::/96 compatible (deprecated)
  if (words[0] === 0x64 && words[1] === 0xff9b && zero(2, 6)) return v4(words[6]!, words[7]!); // 64:ff9b::/96 NAT64
  if (words[0] === 0x2002) return v4(words[1]!, words[2]!); // 2002::/16 6to4
  return undefined;
}

/** the eight 16-bit words of an IPv6 address (with a dotted IPv4 tail or not), or undefined */
function expandIPv6(address: string): number[] | undefined {
  let text = address.toLowerCase().replace(/%.*$/, '');
  if (isIP(text) !== 6) return undefined;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part ? part.split(':').map((w) => Number.parseInt(w, 16)) : []);
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const fill = tail === undefined ? [] : new Array(8 - h.length - t.length).fill(0);
  const words = [...h, ...fill, ...t];
  return words.length === 8 ? words : undefined;
}

/** why an address is not for harvesting (loopback, private, link-local, …), or undefined for a public unicast address */
export function forbiddenAddressReason(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return v4Lists.find((l) => l.list.check(bare, 'ipv4'))?.reason;
  if (family === 6) {
    const own = v6Lists.find((l) => l.list.check(bare, 'ipv6'))?.reason;
    if (own) return own;
    const v4 = embeddedIPv4(bare);
    const inner = v4 ? forbiddenAddressReason(v4) : undefined;
    return inner ? `${inner}, as an IPv4 address inside IPv6` : undefined;
  }
  return 'not an IP address';
}

/** HARVEST_ALLOW_HOSTS parsed: host names (exact, lower case) and CIDRs or single addresses */
export interface HarvestAllowList {
  hosts: Set<string>;
  networks: BlockList;
  /** the setting as given, for messages */
  text: string;
}

/** parses `localhost,127.0.0.1/32,10.1.0.0/16,[::1]`; throws naming the entry that is none of these */
export function parseAllowList(text: string): HarvestAllowList {
  const hosts = new Set<string>();
  const networks = new BlockList();
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [addressPart = '', prefixText] = raw.split('/');
    const address = addressPart.replace(/^\[|\]$/g, '');
    const family = isIP(address);
    if (family) {
      const max = family === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? max : Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
        throw new Error(`"${raw}" has an invalid prefix length`);
      }
      networks.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
      continue;
    }
    if (prefixText !== undefined || !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i.test(raw)) {
      throw new Error(`"${raw}" is neither a host name nor an IP address or CIDR`);
    }
    hosts.add(raw.toLowerCase().replace(/\.$/, ''));
  }
  return { hosts, networks, text };
}

/** is this host (as named in the URL) or this resolved address named by the allow-list? */
export function isAllowed(allow: HarvestAllowList, host: string, address: string): boolean {
  if (allow.hosts.has(host.toLowerCase().replace(/\.$/, '').replace(/^\[|\]$/g, ''))) return true;
  const family = isIP(address);
  if (family === 4) return allow.networks.check(address, 'ipv4');
  if (family === 6) {
    if (allow.networks.check(address, 'ipv6')) return true;
    const v4 = embeddedIPv4(address);
    return v4 !== undefined && allow.networks.check(v4, 'ipv4');
  }
  return false;
}
