import Foundation

/// The carts a chunk reads and writes, held in memory: looked up by ref and by customer in a
/// few set-shaped queries when the chunk starts (``Ingestor/Batch/prefetchCarts(_:fresh:)``),
/// changed in memory, and written together at the chunk's end (``Ingestor/Batch/flushCarts()``).
/// Kept for one chunk: the next one reads again, so memory stays flat in the input's size.
struct CartBook {
    /// The latest state of every cart read or written in this chunk.
    var byRef: [ExternalRef: CartRecord] = [:]
    /// Refs known to name no cart (stored or new).
    var absent: Set<ExternalRef> = []
    /// Every cart of these customers (complete: read from the store, or a new customer's none).
    var ofCustomer: [CustomerID: Set<ExternalRef>] = [:]
    /// New carts not written yet, in id order, and stored carts changed since read.
    var inserts: [ExternalRef] = []
    var updates: Set<ExternalRef> = []
    var nextID: CartID?

    mutating func forget() {
        byRef.removeAll(keepingCapacity: true)
        absent.removeAll(keepingCapacity: true)
        ofCustomer.removeAll(keepingCapacity: true)
    }
}

extension Ingestor.Batch {
    /// The cart `ref` names, as the batch has it now.
    mutating func cart(_ ref: ExternalRef) throws -> CartRecord? {
        guard setBased else { return try transaction.cart(ref: ref) }
        if let cart = cartBook.byRef[ref] { return cart }
        if cartBook.absent.contains(ref) { return nil }
        let cart = try transaction.cart(ref: ref)
        if let cart { cartBook.byRef[ref] = cart } else { cartBook.absent.insert(ref) }
        return cart
    }

    /// Saves a cart: `cart.id == CartID(0)` is a new one (numbered here). Returns it as saved.
    @discardableResult
    mutating func save(_ cart: CartRecord, previousOwner: CustomerID?) throws -> CartRecord {
        var cart = cart
        guard setBased else {
            if cart.id == CartID(0) {
                cart.id = try transaction.insertCart(cart)
            } else {
                try transaction.updateCart(cart)
            }
            return cart
        }
        if cart.id == CartID(0) {
            cart.id = try cartBook.nextID ?? transaction.nextCartID()
            cartBook.nextID = CartID(cart.id.rawValue + 1)
            cartBook.inserts.append(cart.ref)
            cartBook.absent.remove(cart.ref)
        } else if !cartBook.inserts.contains(cart.ref) {
            cartBook.updates.insert(cart.ref)
        }
        cartBook.byRef[cart.ref] = cart
        if let previousOwner, previousOwner != cart.customerID {
            cartBook.ofCustomer[previousOwner]?.remove(cart.ref)
        }
        cartBook.ofCustomer[cart.customerID]?.insert(cart.ref)
        return cart
    }

    /// Every cart of a customer, as the batch has them now.
    mutating func carts(of id: CustomerID) throws -> [CartRecord] {
        guard setBased else { return try transaction.carts(of: id) }
        if let refs = cartBook.ofCustomer[id] { return refs.compactMap { cartBook.byRef[$0] } }
        try flushCarts()
        let carts = try transaction.carts(of: id)
        for cart in carts { cartBook.byRef[cart.ref] = cart }
        cartBook.ofCustomer[id] = Set(carts.map(\.ref))
        return carts
    }

    /// Writes the new and changed carts.
    mutating func flushCarts() throws {
        if !cartBook.inserts.isEmpty {
            try transaction.insertNewCarts(cartBook.inserts.compactMap { cartBook.byRef[$0] })
            cartBook.inserts.removeAll(keepingCapacity: true)
        }
        if !cartBook.updates.isEmpty {
            try transaction.updateCarts(cartBook.updates.compactMap { cartBook.byRef[$0] }.sorted { $0.id < $1.id })
            cartBook.updates.removeAll(keepingCapacity: true)
        }
    }

    /// Reads the carts the chunk's new events name, by ref, and every cart of their customers
    /// (those the identity lookups already know).
    mutating func prefetchCarts(_ events: [IngestEvent], fresh: [Bool]) throws {
        var refs = Set<ExternalRef>()
        var owners = Set<CustomerID>()
        func named(_ identity: CustomerIdentity, _ source: String) {
            for ref in identity.refs {
                let ref = ref.source.isEmpty ? ExternalRef(source: source, id: ref.id) : ref
                if let id = refCache[ref] { owners.insert(id) }
            }
            if let email = identity.normalizedEmail, let id = keys.emails[email] ?? nil { owners.insert(id) }
            if let phone = identity.normalizedPhone, let id = keys.phones[phone] ?? nil { owners.insert(id) }
        }
        for (event, isNew) in zip(events, fresh) where isNew {
            switch event.kind {
            case .cartUpdated(let cart):
                refs.insert(ExternalRef(source: event.source, id: cart.ref))
                named(cart.customer, event.source)
            case .orderPlaced(let order), .orderUpdated(let order):
                if let cartRef = order.cartRef { refs.insert(ExternalRef(source: event.source, id: cartRef)) }
            default: break
            }
        }
        refs = refs.filter { cartBook.byRef[$0] == nil && !cartBook.absent.contains($0) }
        if !refs.isEmpty {
            let found = try transaction.carts(refs: Array(refs))
            for ref in refs {
                if let cart = found[ref] {
                    cartBook.byRef[ref] = cart
                    owners.insert(cart.customerID)
                } else {
                    cartBook.absent.insert(ref)
                }
            }
        }
        let unknown = owners.filter { cartBook.ofCustomer[$0] == nil }
        guard !unknown.isEmpty else { return }
        try flushCarts()
        let held = try transaction.carts(ofCustomers: Array(unknown))
        for id in unknown {
            let carts = held[id] ?? []
            for cart in carts where cartBook.byRef[cart.ref] == nil { cartBook.byRef[cart.ref] = cart }
            cartBook.ofCustomer[id] = Set(carts.map(\.ref))
        }
    }
}
