package probe;

import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.util.ClassUtils;

/** Fails startup when this jar runs on the other Boot line. */
public class BootLineGuard implements ApplicationContextInitializer<ConfigurableApplicationContext>, Ordered {

	static final String BOOT4_MARKER = "org.springframework.boot.bootstrap.BootstrapRegistry"; // Boot 4.0+
	static final String BOOT3_MARKER = "org.springframework.boot.BootstrapRegistry"; // Boot 2.4 - 3.5

	@Override
	public void initialize(ConfigurableApplicationContext context) {
		ClassLoader cl = context.getClassLoader();
		boolean boot4 = ClassUtils.isPresent(BOOT4_MARKER, cl) && !ClassUtils.isPresent(BOOT3_MARKER, cl);
		int expected = Integer.getInteger("probe.expect", Line.EXPECTED);
		int actual = boot4 ? 4 : 3;
		if (actual != expected) {
			throw new WrongBootLineException("running on Boot " + actual + " but built for Boot " + expected);
		}
	}

	@Override
	public int getOrder() { return Ordered.HIGHEST_PRECEDENCE; }
}
