import { mount } from '../../lib/page'
import BoardPage from './BoardPage.vue'

mount(BoardPage)
