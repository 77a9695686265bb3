package io.github.grpclb.test;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fresh {@link Backends} for every test: {@code @RegisterExtension final BackendsExtension backends = new
 * BackendsExtension(5);}.
 */
public final class BackendsExtension implements BeforeEachCallback, AfterEachCallback {

	private final int count;

	private final Backends.Mode mode;

	private Backends backends;

	public BackendsExtension(int count) {
		this(count, Backends.Mode.ECHO);
	}

	public BackendsExtension(int count, Backends.Mode mode) {
		this.count = count;
		this.mode = mode;
	}

	/** @return the backends of the running test */
	public Backends get() {
		return this.backends;
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		this.backends = Backends.start(this.count, this.mode);
	}

	@Override
	public void afterEach(ExtensionContext context) {
		this.backends.close();
	}

}
