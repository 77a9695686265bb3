package probe;
public class WrongBootLineException extends IllegalStateException {
	public WrongBootLineException(String message) { super(message); }
}
