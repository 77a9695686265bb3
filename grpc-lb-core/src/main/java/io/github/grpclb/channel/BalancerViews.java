package io.github.grpclb.channel;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The {@link ClientView} of every client of an application: fed by the clients' resolvers (as a
 * {@link ResolutionListener}) and by the {@value ObservingLoadBalancerProvider#POLICY} policy of their pooled
 * channels. Thread-safe. Close it with the application: the policy then stops finding the views.
 */
public final class BalancerViews implements ResolutionListener, AutoCloseable {

	private final Clock clock;

	private final Map<String, ClientView> views = new ConcurrentHashMap<>();

	private final Set<String> keys = ConcurrentHashMap.newKeySet();

	private final List<Consumer<ClientView>> viewListeners = new CopyOnWriteArrayList<>();

	/** Views on the system clock. */
	public BalancerViews() {
		this(Clock.systemUTC());
	}

	/**
	 * Views on a given clock.
	 * @param clock tells the time of events
	 */
	public BalancerViews(Clock clock) {
		this.clock = Objects.requireNonNull(clock, "clock");
	}

	/**
	 * One client's view.
	 * @param clientName the client
	 * @return its view, or {@code null} when the client has not made a channel yet
	 */
	public ClientView view(String clientName) {
		return this.views.get(clientName);
	}

	/** @return every client's view, by name */
	public List<ClientView> all() {
		return this.views.values().stream().sorted(Comparator.comparing(ClientView::name)).toList();
	}

	/**
	 * Be told of every client's view: those there now, at once, and each new one when its client makes a channel.
	 * @param listener told each view once
	 */
	public void eachView(Consumer<ClientView> listener) {
		synchronized (this.viewListeners) {
			this.viewListeners.add(listener);
			this.views.values().forEach(listener);
		}
	}

	private ClientView viewOf(String clientName) {
		ClientView view = this.views.get(clientName);
		if (view != null) {
			return view;
		}
		synchronized (this.viewListeners) {
			ClientView created = new ClientView(clientName, this.clock);
			ClientView existing = this.views.putIfAbsent(clientName, created);
			if (existing != null) {
				return existing;
			}
			this.viewListeners.forEach((listener) -> listener.accept(created));
			return created;
		}
	}

	/**
	 * A pooled channel is being built for a client: its policy will feed the client's view.
	 * @param clientName the client
	 * @param settings the channel's settings
	 * @return the key for {@link ServiceConfigs#pooled(ChannelSettings, String)}
	 */
	public String observe(String clientName, ChannelSettings settings) {
		ClientView view = viewOf(clientName);
		view.configured(settings, true);
		String key = ObservingLoadBalancerProvider.register(view);
		this.keys.add(key);
		return key;
	}

	/**
	 * A client dials per request: its view shows resolutions, no balancer.
	 * @param clientName the client
	 * @param settings its settings
	 */
	void dialing(String clientName, ChannelSettings settings) {
		viewOf(clientName).configured(settings, false);
	}

	@Override
	public void resolved(String clientName, List<InetSocketAddress> addresses, boolean changed) {
		viewOf(clientName).resolved(addresses);
	}

	@Override
	public void failed(String clientName, String error, boolean keptAddresses) {
		viewOf(clientName).resolutionFailed(error);
	}

	@Override
	public void scheduled(String clientName, java.time.Duration in) {
		viewOf(clientName).nextResolution(in);
	}

	@Override
	public void close() {
		this.keys.forEach(ObservingLoadBalancerProvider::unregister);
		this.keys.clear();
	}

}
