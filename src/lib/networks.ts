import { BlockList, isIPv6 } from 'node:net';

/**
 * A set of networks from CIDR strings (`10.0.0.0/8`, `::1/128`, or a bare address); `none` is
 * the empty set. Throws, naming `setting`, on anything that is not a network, so a typo in the
 * configuration stops the start instead of trusting nobody (or everybody).
 */
export function networkList(cidrs: readonly string[], setting: string): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs.filter((c) => c !== 'none')) {
    const [net, bits] = cidr.split('/');
    const type = isIPv6(net!) ? 'ipv6' : 'ipv4';
    const prefix = bits === undefined ? (type === 'ipv6' ? 128 : 32) : Number(bits);
    if (!net || !Number.isInteger(prefix))
      throw new Error(`"${cidr}" in ${setting} is not a network`);
    try {
      list.addSubnet(net, prefix, type);
    } catch {
      throw new Error(`"${cidr}" in ${setting} is not a network`);
    }
  }
  return list;
}

/** Whether an address (IPv4-mapped IPv6 included) is in the list. */
export function inNetworks(list: BlockList, address: string): boolean {
  const ip = address.replace(/^::ffff:/, '');
  return list.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4');
}
