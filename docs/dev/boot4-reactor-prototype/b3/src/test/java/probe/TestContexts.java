package probe;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
final class TestContexts {
	static final String LINE = "boot3";
	static ApplicationContextRunner runner() { return new ApplicationContextRunner(); }
}
