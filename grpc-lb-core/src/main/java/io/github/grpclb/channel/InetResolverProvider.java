package io.github.grpclb.channel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Collection;
import java.util.List;

import io.grpc.NameResolverProvider;

/**
 * What every resolver provider of the starter has in common: installed on one channel (never in grpc-java's global
 * registry), for one scheme, producing IP socket addresses.
 */
abstract class InetResolverProvider extends NameResolverProvider {

	private final String scheme;

	InetResolverProvider(String scheme) {
		this.scheme = scheme;
	}

	@Override
	protected boolean isAvailable() {
		return true;
	}

	@Override
	protected int priority() {
		return 5;
	}

	@Override
	public String getDefaultScheme() {
		return this.scheme;
	}

	@Override
	public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
		return List.of(InetSocketAddress.class);
	}

}
