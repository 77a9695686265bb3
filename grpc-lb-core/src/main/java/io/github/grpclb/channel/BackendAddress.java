package io.github.grpclb.channel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * How the starter writes a backend's address everywhere it shows one (meters, the balancer view): {@code ip:port},
 * IPv6 in brackets. The {@code grpclb} endpoint joins call counts to backends by this text, so there is one way only.
 */
public final class BackendAddress {

	private BackendAddress() {
	}

	/**
	 * @param address a backend's address, not {@code null}
	 * @return {@code ip:port} ({@code [ip6]:port}), or the address's own text when it is not an IP socket address
	 */
	public static String of(SocketAddress address) {
		if (address instanceof InetSocketAddress inet) {
			String host = (inet.getAddress() != null) ? inet.getAddress().getHostAddress() : inet.getHostString();
			return ((host.indexOf(':') >= 0) ? "[" + host + "]" : host) + ":" + inet.getPort();
		}
		return String.valueOf(address);
	}

}
