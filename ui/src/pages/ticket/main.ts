import { mount } from '../../lib/page'
import TicketPage from './TicketPage.vue'

mount(TicketPage)
