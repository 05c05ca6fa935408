package dev.taskito.store;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What every store contract test shares: a started store per test, more stores on the same
 * data on demand, and each store's data dropped afterwards. A store's test subclasses a
 * contract, implements {@link #createStore()} and, where it keeps data outside the JVM,
 * {@link #cleanUp()}.
 */
public abstract class StoreContract {

	private final List<ClaimStore> stores = new ArrayList<>();

	/** The store under test, started. */
	protected ClaimStore store;

	/**
	 * Creates a store, not yet started. Every call within one test must return a store on
	 * the same data (as a second instance of the application would see it), and data must
	 * not leak between tests.
	 * @return a new store
	 */
	protected abstract ClaimStore createStore();

	/**
	 * Called after each test, once every store it created is closed: drop what the test
	 * stored outside the JVM.
	 */
	protected void cleanUp() {
	}

	@BeforeEach
	void startStore() {
		this.store = newStartedStore();
	}

	@AfterEach
	void closeStores() {
		try {
			this.stores.forEach(ClaimStore::close);
		}
		finally {
			cleanUp();
		}
	}

	/**
	 * @return another started store on the same data, closed after the test
	 */
	protected ClaimStore newStartedStore() {
		ClaimStore created = createStore();
		this.stores.add(created);
		created.start();
		return created;
	}

}
