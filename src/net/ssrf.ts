import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { BlockedDestinationError } from '../core/errors.js';

/**
 * Only public unicast addresses are reachable unless private networks are allowed. This covers
 * loopback, RFC 1918, link-local (and so cloud metadata at 169.254.169.254), CGNAT, multicast,
 * reserved ranges, and IPv6 forms of all of them including IPv4-mapped addresses.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // process() turns ::ffff:10.0.0.1 into 10.0.0.1 so mapped addresses get the IPv4 rules.
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    // NAT64 and 6to4 embed an IPv4 address: judge the embedded one.
    if (range === 'rfc6052' || range === 'rfc6145') {
      const bytes = v6.toByteArray().slice(-4);
      return isPublicAddress(bytes.join('.'));
    }
    if (range === '6to4') {
      const bytes = v6.toByteArray().slice(2, 6);
      return isPublicAddress(bytes.join('.'));
    }
  }
  return range === 'unicast';
}

export function assertPublicAddress(address: string, host: string): void {
  if (!isPublicAddress(address)) {
    throw new BlockedDestinationError(
      `refused to connect to ${host} (${address}): private, loopback, link-local and reserved addresses are blocked; set security.allow_private_networks: true to allow them`,
    );
  }
}

/**
 * A dns.lookup replacement for outbound sockets: the check runs on the address the socket will
 * actually use, so a name that resolves (or re-resolves) to a private address is refused too.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) {
      callback(error, '', 0);
      return;
    }
    const list = addresses as LookupAddress[];
    const blocked = list.find((a) => !isPublicAddress(a.address));
    if (blocked) {
      try {
        assertPublicAddress(blocked.address, hostname);
      } catch (refusal) {
        callback(refusal as NodeJS.ErrnoException, '', 0);
        return;
      }
    }
    if (options.all) callback(null, list);
    else callback(null, list[0]!.address, list[0]!.family);
  });
};

/** Checks a URL before any socket exists: scheme, and literal IP hosts (which skip DNS lookup). */
export function assertAllowedUrl(url: URL, allowPrivate: boolean): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BlockedDestinationError(`refused ${url.protocol} URL: only http and https are allowed`);
  }
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) assertPublicAddress(host, host);
  else if (host === 'localhost' || host.endsWith('.localhost')) {
    throw new BlockedDestinationError(`refused to connect to ${host}: loopback names are blocked`);
  }
}
